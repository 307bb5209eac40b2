//! Paths relative to the audited folder, `/`-separated whatever the platform: joined and
//! normalised the way Docker and Compose resolve a context, a Dockerfile or an ignore pattern
//! against a folder. A leaf module: the project model, the ignore-file matcher and the rules
//! all use it.

/// (folder, file name) of a relative path.
pub(crate) fn split(relative: &str) -> (&str, &str) {
    relative.rsplit_once('/').unwrap_or(("", relative))
}

/// `dir/path` normalised (`.` and `..` resolved, no leading `./`); `""` is the root.
pub(crate) fn join(dir: &str, path: &str) -> String {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_docker() {
        assert_eq!(join("a/b", "../c/./Dockerfile"), "a/c/Dockerfile");
        assert_eq!(join("", "."), "");
        assert_eq!(join("x", "./"), "x");
        assert_eq!(join("x", "/abs/y"), "abs/y");
        assert_eq!(split("a/b/Dockerfile"), ("a/b", "Dockerfile"));
        assert_eq!(split("Dockerfile"), ("", "Dockerfile"));
    }
}
