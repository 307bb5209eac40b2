//! Dockerfile variable substitution: what `$NAME`, `${NAME}`, `${NAME:-word}` and
//! `${NAME:+word}` stand for at a given instruction.
//!
//! The tree-sitter grammar marks each `expansion` (name, operator, word); it does not know what
//! the names are bound to. Docker's rules are applied here on top of it: `ARG`s declared before
//! the first `FROM` are visible to `FROM` lines, and inside a stage only when re-declared;
//! `ARG` and `ENV` bind in order; `ENV` (not `ARG`) carries into a stage built `FROM` another
//! stage. A build argument's default is taken as its value (the plain `docker build`). A name
//! with no known value (a build argument without default, an `ENV` of the base image) leaves
//! the result marked inexact, and rules do not judge inexact values.

use std::collections::BTreeMap;

/// A value after substitution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Value {
    /// The text; an unresolved reference stays as written (`${UID}`).
    pub text: String,
    /// False when some reference could not be resolved.
    pub exact: bool,
}

impl Value {
    pub(crate) fn exact(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            exact: true,
        }
    }

    /// The text, when it is known exactly.
    pub(crate) fn known(&self) -> Option<&str> {
        self.exact.then_some(self.text.as_str())
    }
}

/// The names bound at one point of a Dockerfile. `None`: declared, value unknown.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    vars: BTreeMap<String, Option<String>>,
}

impl Scope {
    pub(crate) fn bind(&mut self, name: &str, value: Option<String>) {
        self.vars.insert(name.to_string(), value);
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Option<String>> {
        self.vars.get(name)
    }

    /// The value of an expansion: `name`, optional operator (`:-`, `-`, `:+`, `+`, or another
    /// `BuildKit` operator) and its word. `None` when it cannot be known.
    pub(crate) fn expand(&self, name: &str, operator: Option<&str>, word: &str) -> Option<String> {
        // A build argument declared without a default and not passed is unset, as in Docker;
        // only a plain reference to it has no knowable value.
        let value = self.get(name).and_then(|v| v.as_deref());
        let word = word.to_string();
        match (operator, value) {
            (None, v) => v.map(str::to_string),
            (Some(":-"), Some(v)) if !v.is_empty() => Some(v.to_string()),
            (Some(":-"), _) => Some(word),
            (Some("-"), Some(v)) => Some(v.to_string()),
            (Some("-"), None) => Some(word),
            (Some(":+"), Some(v)) if !v.is_empty() => Some(word),
            (Some(":+"), _) => Some(String::new()),
            (Some("+"), Some(_)) => Some(word),
            (Some("+"), None) => Some(String::new()),
            _ => None,
        }
    }

    /// The bound names.
    pub(crate) fn names(&self) -> Vec<String> {
        self.vars.keys().cloned().collect()
    }

    /// The environment variables of this scope that a child stage inherits.
    pub(crate) fn only(&self, names: &[String]) -> Scope {
        let vars = names
            .iter()
            .filter_map(|n| self.vars.get(n).map(|v| (n.clone(), v.clone())))
            .collect();
        Scope { vars }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_substitution_rules() {
        let mut s = Scope::default();
        s.bind("SET", Some("v".into()));
        s.bind("EMPTY", Some(String::new()));
        s.bind("DECLARED", None);
        assert_eq!(s.expand("SET", None, ""), Some("v".into()));
        assert_eq!(s.expand("DECLARED", None, ""), None);
        assert_eq!(s.expand("NOPE", None, ""), None);
        assert_eq!(s.expand("SET", Some(":-"), "d"), Some("v".into()));
        assert_eq!(s.expand("EMPTY", Some(":-"), "d"), Some("d".into()));
        assert_eq!(s.expand("NOPE", Some(":-"), "d"), Some("d".into()));
        assert_eq!(s.expand("EMPTY", Some("-"), "d"), Some(String::new()));
        assert_eq!(s.expand("SET", Some(":+"), "w"), Some("w".into()));
        assert_eq!(s.expand("EMPTY", Some(":+"), "w"), Some(String::new()));
        assert_eq!(s.expand("NOPE", Some("+"), "w"), Some(String::new()));
        assert_eq!(s.expand("SET", Some("#"), "w"), None);
    }
}
