//! The three-way merge of a `.env` file, key by key.
//!
//! base = what berth last wrote (the lock's copy), ours = the file on disk, theirs = the new
//! render. Per key:
//!
//! - still as berth wrote it: takes the new value (`AUTH_SERVICE_WORKERS 2 -> 3`);
//! - changed by the user: keeps the user's value; when berth's value changed too, that is a
//!   conflict (the user's value stays, the proposal is reported and, in sidecar mode, written
//!   beside the file);
//! - a secret: the user's from the first write, never overwritten and never shown;
//! - missing from the file: added with its comments, after the key it follows in the render;
//! - written by berth once but no longer rendered (a removed service): orphaned, removed with
//!   `--prune` only while it still holds berth's value;
//! - added by the user: kept, like every line berth does not own, byte for byte.
//!
//! The comment lines berth writes above a key follow the same rule as its value. Lines are
//! written in the file's own line endings; bytes berth does not own are never re-encoded.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::dotenv::document::{Document, Entry, Line};

/// What happened to one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyEvent {
    /// Still as berth wrote it, and berth's value changed: the file follows.
    Updated { old: String, new: String },
    /// The file lacked the key: added with berth's value.
    Added { value: String },
    /// Both the user and berth changed it: the user's value is kept.
    Conflict { yours: String, berths: String },
    /// The file had the key before berth wrote it (an adopted file): the user's value is kept.
    Yours { yours: String, berths: String },
    /// Changed by the user, and berth's value did not change: kept (the drift check notes it).
    Edited { yours: String, berths: String },
    /// berth no longer writes the key; kept (`edited`: the user changed its value).
    Orphaned { edited: bool },
    /// berth no longer writes the key and it still held berth's value: removed (`--prune`).
    Removed,
}

/// One key's change, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub key: String,
    pub event: KeyEvent,
    /// A secret: its values are never shown.
    pub secret: bool,
}

impl KeyChange {
    /// `AUTH_SERVICE_WORKERS 2 -> 3`, with secret values hidden.
    pub fn describe(&self) -> String {
        let show = |v: &str| {
            if self.secret {
                "(secret)".to_string()
            } else if v.is_empty() {
                "''".to_string()
            } else {
                v.to_string()
            }
        };
        let key = &self.key;
        match &self.event {
            KeyEvent::Updated { old, new } => format!("{key} {} -> {}", show(old), show(new)),
            KeyEvent::Added { value } => format!("{key} added = {}", show(value)),
            KeyEvent::Conflict { yours, berths } => format!(
                "{key} conflict: yours {} kept, berth's is {}",
                show(yours),
                show(berths)
            ),
            KeyEvent::Yours { yours, berths } | KeyEvent::Edited { yours, berths } => format!(
                "{key} yours {} kept (berth writes {})",
                show(yours),
                show(berths)
            ),
            KeyEvent::Orphaned { edited: false } => {
                format!("{key} orphaned: berth no longer writes it; --prune removes it")
            }
            KeyEvent::Orphaned { edited: true } => {
                format!("{key} orphaned and edited by you: remove it yourself")
            }
            KeyEvent::Removed => format!("{key} removed (no longer written by berth)"),
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self.event, KeyEvent::Conflict { .. })
    }

    /// Whether a run reports it on a line of its own: a value that changed or needs the user's
    /// attention. A hand edit berth leaves alone is `check`'s note; added keys are the file's
    /// "keys added" line (a new service adds five per environment).
    pub fn is_reported(&self) -> bool {
        !matches!(self.event, KeyEvent::Edited { .. } | KeyEvent::Added { .. })
    }
}

/// The result of merging one `.env` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The merged file: the user's value wherever the user and berth disagree.
    pub text: Vec<u8>,
    /// The same with berth's value for every conflicting key (the sidecar's content).
    pub proposed: Vec<u8>,
    /// One change per key that changed or needs the user's attention, in file order.
    pub changes: Vec<KeyChange>,
    /// What berth now owns in this file, the base of the next merge: the new render, plus the
    /// orphaned keys that stay (so that a later `--prune` still recognises them).
    pub next_base: String,
}

impl Merge {
    pub fn has_conflicts(&self) -> bool {
        self.changes.iter().any(KeyChange::is_conflict)
    }
}

/// One output line; `None` as line ending means "the file's", an empty one "none" (the user's
/// last line).
struct Out<'a> {
    text: Cow<'a, [u8]>,
    eol: Option<&'a [u8]>,
    /// berth's value for a conflicting key (the proposed file has it instead).
    proposal: Option<Vec<u8>>,
}

impl<'a> Out<'a> {
    fn raw(line: &Line<'a>) -> Self {
        Self {
            text: Cow::Borrowed(line.text),
            eol: Some(line.eol),
            proposal: None,
        }
    }

    /// A line of berth's render, in the file's line ending.
    fn rendered(line: &Line<'a>) -> Self {
        Self {
            text: Cow::Borrowed(line.text),
            eol: None,
            proposal: None,
        }
    }
}

/// Merges `ours` (the file on disk) with `theirs` (the new render) over `base` (what berth last
/// wrote; `None` when berth never wrote this file). `secrets` are the keys whose values berth
/// never changes or shows; `prune` removes orphaned keys that still hold berth's value.
pub fn merge(
    base: Option<&str>,
    ours: &[u8],
    theirs: &str,
    secrets: &BTreeSet<String>,
    prune: bool,
) -> Merge {
    let base = base.map(|b| Document::parse(b.as_bytes()));
    let ours = Document::parse(ours);
    let theirs = Document::parse(theirs.as_bytes());
    let mut m = Merger {
        base: base.as_ref(),
        theirs: &theirs,
        secrets,
        prune,
        out: Vec::new(),
        changes: Vec::new(),
        kept_orphans: Vec::new(),
    };
    let inserts = m.missing_by_anchor(&ours);
    for entry in &ours.entries {
        m.entry(entry);
        if let Some(missing) = inserts.get(&Some(entry.key)) {
            m.insert(missing);
        }
    }
    let tail_is_berths = base
        .as_ref()
        .is_some_and(|b| same_lines(&ours.tail, &b.tail));
    if tail_is_berths {
        m.out.extend(theirs.tail.iter().map(Out::rendered));
    } else {
        m.out.extend(ours.tail.iter().map(Out::raw));
    }
    // Keys that follow no key the file has go at the end, after everything else.
    if let Some(missing) = inserts.get(&None) {
        m.insert(missing);
    }
    let next_base = m.next_base();
    let (text, proposed) = join(&m.out, ours.eol);
    Merge {
        text,
        proposed,
        changes: m.changes,
        next_base,
    }
}

struct Merger<'d, 'a> {
    base: Option<&'d Document<'a>>,
    theirs: &'d Document<'a>,
    secrets: &'d BTreeSet<String>,
    prune: bool,
    out: Vec<Out<'a>>,
    changes: Vec<KeyChange>,
    /// Orphaned keys the file keeps, as berth wrote them.
    kept_orphans: Vec<&'d Entry<'a>>,
}

impl<'d, 'a> Merger<'d, 'a> {
    fn change(&mut self, key: &str, event: KeyEvent) {
        self.changes.push(KeyChange {
            key: key.to_string(),
            event,
            secret: self.secrets.contains(key),
        });
    }

    /// The render's keys that the file lacks, grouped by the key they follow in the render
    /// (the nearest earlier key the file has; `None`: no such key).
    fn missing_by_anchor(
        &self,
        ours: &Document<'a>,
    ) -> BTreeMap<Option<&'a str>, Vec<&'d Entry<'a>>> {
        let mut groups: BTreeMap<Option<&'a str>, Vec<&'d Entry<'a>>> = BTreeMap::new();
        let mut anchor = None;
        for entry in &self.theirs.entries {
            if ours.get(entry.key).is_some() {
                anchor = Some(entry.key);
            } else {
                groups.entry(anchor).or_default().push(entry);
            }
        }
        groups
    }

    fn insert(&mut self, missing: &[&'d Entry<'a>]) {
        for entry in missing {
            self.out.extend(entry.pre.iter().map(Out::rendered));
            self.out.push(Out::rendered(&entry.line));
            self.change(
                entry.key,
                KeyEvent::Added {
                    value: lossy(entry.value),
                },
            );
        }
    }

    fn entry(&mut self, ours: &'d Entry<'a>) {
        let base = self.base.and_then(|b| b.get(ours.key));
        match (self.theirs.get(ours.key), base) {
            (Some(theirs), base) => self.rendered_key(ours, theirs, base),
            (None, Some(base)) => self.orphan(ours, base),
            (None, None) => self.keep(ours),
        }
    }

    fn keep(&mut self, ours: &Entry<'a>) {
        self.out.extend(ours.pre.iter().map(Out::raw));
        self.out.push(Out::raw(&ours.line));
    }

    /// A key the render has.
    fn rendered_key(&mut self, ours: &Entry<'a>, theirs: &'d Entry<'a>, base: Option<&Entry<'a>>) {
        // berth's comments above the key follow the render while the user left them alone.
        if base.is_some_and(|b| same_lines(&ours.pre, &b.pre)) {
            self.out.extend(theirs.pre.iter().map(Out::rendered));
        } else {
            self.out.extend(ours.pre.iter().map(Out::raw));
        }
        let secret = self.secrets.contains(ours.key);
        let (o, t) = (ours.value, theirs.value);
        let line = match base {
            _ if o == t || secret || ours.multiline => Out::raw(&ours.line),
            Some(b) if b.value == o => {
                self.change(
                    ours.key,
                    KeyEvent::Updated {
                        old: lossy(o),
                        new: lossy(t),
                    },
                );
                Out {
                    text: Cow::Owned([ours.prefix, t].concat()),
                    ..Out::raw(&ours.line)
                }
            }
            Some(b) if b.value == t => {
                self.change(
                    ours.key,
                    KeyEvent::Edited {
                        yours: lossy(o),
                        berths: lossy(t),
                    },
                );
                Out::raw(&ours.line)
            }
            Some(_) => {
                self.change(
                    ours.key,
                    KeyEvent::Conflict {
                        yours: lossy(o),
                        berths: lossy(t),
                    },
                );
                Out {
                    proposal: Some([ours.prefix, t].concat()),
                    ..Out::raw(&ours.line)
                }
            }
            None => {
                self.change(
                    ours.key,
                    KeyEvent::Yours {
                        yours: lossy(o),
                        berths: lossy(t),
                    },
                );
                Out::raw(&ours.line)
            }
        };
        self.out.push(line);
    }

    /// A key berth wrote once and no longer renders.
    fn orphan(&mut self, ours: &Entry<'a>, base: &'d Entry<'a>) {
        let edited = ours.value != base.value || ours.multiline;
        if self.prune && !edited {
            // Its comments go with it when they are still berth's.
            if !same_lines(&ours.pre, &base.pre) {
                self.out.extend(ours.pre.iter().map(Out::raw));
            }
            self.change(ours.key, KeyEvent::Removed);
            return;
        }
        self.change(ours.key, KeyEvent::Orphaned { edited });
        self.kept_orphans.push(base);
        self.keep(ours);
    }

    fn next_base(&self) -> String {
        let mut text = String::new();
        let lines = self
            .theirs
            .entries
            .iter()
            .flat_map(|e| e.pre.iter().chain([&e.line]))
            .chain(&self.theirs.tail)
            .chain(
                self.kept_orphans
                    .iter()
                    .flat_map(|e| e.pre.iter().chain([&e.line])),
            );
        for line in lines {
            // Renders are UTF-8 (berth wrote them), so this never replaces a byte.
            text.push_str(&String::from_utf8_lossy(line.text));
            text.push('\n');
        }
        text
    }
}

/// True when both runs of lines have the same text (line endings aside).
fn same_lines(a: &[Line<'_>], b: &[Line<'_>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.text == y.text)
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The merged and the proposed file. Every line ends in its own line ending or, for lines berth
/// wrote, the file's; a last line the user left without one stays so.
fn join(out: &[Out<'_>], eol: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut text = Vec::new();
    let mut proposed = Vec::new();
    for (i, line) in out.iter().enumerate() {
        let last = i + 1 == out.len();
        // A line read without an ending was the file's last; when more follows, it gets one.
        let ending = match line.eol {
            Some(e) if !e.is_empty() || last => e,
            _ => eol,
        };
        text.extend_from_slice(&line.text);
        text.extend_from_slice(ending);
        proposed.extend_from_slice(line.proposal.as_deref().unwrap_or(&line.text));
        proposed.extend_from_slice(ending);
    }
    (text, proposed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(std::string::ToString::to_string).collect()
    }

    fn run(base: &str, ours: &str, theirs: &str) -> Merge {
        merge(
            Some(base),
            ours.as_bytes(),
            theirs,
            &secrets(&["S_SECRET_KEY"]),
            false,
        )
    }

    fn text(m: &Merge) -> &str {
        std::str::from_utf8(&m.text).unwrap()
    }

    #[test]
    fn untouched_values_and_comments_follow_the_render() {
        let base = "# head 1\n\n# ---- a: 2 workers\nA_WORKERS=2\nA_PORT=8001\n";
        let theirs = "# head 2\n\n# ---- a: 3 workers\nA_WORKERS=3\nA_PORT=8001\n";
        let m = run(base, base, theirs);
        assert_eq!(text(&m), theirs);
        assert_eq!(m.changes.len(), 1);
        assert_eq!(m.changes[0].describe(), "A_WORKERS 2 -> 3");
        assert_eq!(m.next_base, theirs);
    }

    #[test]
    fn user_values_and_comments_stay_and_clashes_are_conflicts() {
        let base = "# about a\nA=1\nB=1\nC=1\n";
        let ours = "# my note\nA=1\nB=user\nC=mine\nMINE=x\n";
        let theirs = "# about a, new\nA=1\nB=1\nC=2\n";
        let m = run(base, ours, theirs);
        assert_eq!(text(&m), ours, "nothing of the user's changes");
        assert_eq!(
            m.changes
                .iter()
                .filter(|c| c.is_reported())
                .cloned()
                .collect::<Vec<_>>(),
            vec![KeyChange {
                key: "C".into(),
                event: KeyEvent::Conflict {
                    yours: "mine".into(),
                    berths: "2".into()
                },
                secret: false
            }]
        );
        assert_eq!(
            std::str::from_utf8(&m.proposed).unwrap(),
            "# my note\nA=1\nB=user\nC=2\nMINE=x\n"
        );
    }

    #[test]
    fn secrets_are_never_overwritten_or_shown() {
        let base = "S_SECRET_KEY=\nA=1\n";
        let ours = "S_SECRET_KEY=hunter2\nA=1\n";
        let theirs = "S_SECRET_KEY=dev-default\nA=2\n";
        let m = run(base, ours, theirs);
        assert_eq!(text(&m), "S_SECRET_KEY=hunter2\nA=2\n");
        let m = merge(
            Some(base),
            b"A=1\n",
            theirs,
            &secrets(&["S_SECRET_KEY"]),
            false,
        );
        assert_eq!(text(&m), "A=2\nS_SECRET_KEY=dev-default\n");
        assert!(
            m.changes
                .iter()
                .all(|c| !c.describe().contains("dev-default"))
        );
    }

    #[test]
    fn missing_keys_come_after_the_key_they_follow_in_the_render() {
        let base = "A=1\n\n# c\nC=1\n";
        let ours = "A=1\n\n# c\nC=1\n# mine at the end\n";
        let theirs = "A=1\n\n# b\nB=1\n\n# c\nC=1\n\n# d\nD=1\n";
        let m = run(base, ours, theirs);
        assert_eq!(
            text(&m),
            "A=1\n\n# b\nB=1\n\n# c\nC=1\n\n# d\nD=1\n# mine at the end\n"
        );
        let added: Vec<String> = m.changes.iter().map(KeyChange::describe).collect();
        assert_eq!(added, ["B added = 1", "D added = 1"]);
    }

    #[test]
    fn orphans_are_reported_then_pruned_only_at_berths_value() {
        let base = "A=1\n# gone\nGONE=1\n# edited\nEDITED=1\n";
        let ours = "A=1\n# gone\nGONE=1\n# edited\nEDITED=mine\n";
        let theirs = "A=1\n";
        let m = run(base, ours, theirs);
        assert_eq!(text(&m), ours);
        assert!(m.next_base.contains("GONE=1") && m.next_base.contains("EDITED=1"));
        let m = merge(Some(base), ours.as_bytes(), theirs, &BTreeSet::new(), true);
        assert_eq!(text(&m), "A=1\n# edited\nEDITED=mine\n");
        let events: Vec<String> = m.changes.iter().map(KeyChange::describe).collect();
        assert_eq!(
            events,
            [
                "GONE removed (no longer written by berth)",
                "EDITED orphaned and edited by you: remove it yourself"
            ]
        );
    }

    #[test]
    fn crlf_files_get_crlf_lines_and_foreign_bytes_survive() {
        let base = "A=1\nB=1\n";
        let ours = b"A=1\r\nB=1\r\nX=\xff\xfe\r\n";
        let theirs = "A=2\nB=1\nC=3\n";
        let m = merge(Some(base), ours, theirs, &BTreeSet::new(), false);
        assert_eq!(m.text, b"A=2\r\nB=1\r\nC=3\r\nX=\xff\xfe\r\n");
    }

    #[test]
    fn a_last_line_without_newline_gets_one_when_keys_follow() {
        let m = run("A=1\n", "A=1", "A=1\nB=2\n");
        assert_eq!(text(&m), "A=1\nB=2\n");
        let m = run("A=1\n", "A=1", "A=1\n");
        assert_eq!(text(&m), "A=1");
    }

    #[test]
    fn a_file_berth_never_wrote_keeps_every_value() {
        let m = merge(None, b"A=mine\n", "A=1\nB=2\n", &BTreeSet::new(), false);
        assert_eq!(text(&m), "A=mine\nB=2\n");
        assert_eq!(
            m.changes[0].describe(),
            "A yours mine kept (berth writes 1)"
        );
    }
}
