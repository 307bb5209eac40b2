//! `berth check`'s secret guard: a secret set in a tracked non-dev `.env.<env>` file fails the
//! check (exit 1) naming the file, the key and the fix, and never printing the value; `.env.dev`,
//! untracked or ignored files, empty values and references to the deployment's environment pass.

use std::path::Path;
use std::process::Command;

use crate::common::{berth_in, edit, init_mvp, stderr, stdout, tempdir, write};

const VALUE: &str = "s3cr3t-value-that-must-not-leak";

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn a_secret_in_a_tracked_env_file_fails_the_check_without_showing_it() {
    let dir = tempdir();
    let p = dir.path();
    init_mvp(p);
    assert_eq!(berth_in(p, &["check"]).status.code(), Some(0));
    edit(
        p,
        ".env.prod",
        "AUTH_SERVICE_SECRET_KEY=\n",
        &format!("AUTH_SERVICE_SECRET_KEY={VALUE}\n"),
    );
    edit(
        p,
        ".env.staging",
        "AUTH_SERVICE_SECRET_KEY=\n",
        "AUTH_SERVICE_SECRET_KEY=${AUTH_SERVICE_SECRET_KEY}\n",
    );
    let staging = std::fs::read_to_string(p.join(".env.staging")).unwrap();
    write(
        p,
        ".env.staging",
        &format!("{staging}DB_PASSWORD=\"{VALUE}\"\n"),
    );
    git(p, &["init", "-q"]);
    git(p, &["add", ".env.prod", ".env.staging", ".env.dev"]);

    let out = berth_in(p, &["check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("FAIL .env.prod: AUTH_SERVICE_SECRET_KEY: secret (line 47: a secret value in a file tracked by git)"),
        "{text}"
    );
    assert!(
        text.contains("FAIL .env.staging: DB_PASSWORD: secret"),
        "{text}"
    );
    assert!(
        text.contains("set it in the deployment's environment"),
        "{text}"
    );
    // A reference to the deployment's environment and .env.dev's generated values pass.
    assert!(
        !text.contains(".env.staging: AUTH_SERVICE_SECRET_KEY"),
        "{text}"
    );
    assert!(!text.contains(".env.dev"), "{text}");
    let json = berth_in(p, &["check", "--format", "json"]);
    for out in [&out, &json] {
        assert!(!stdout(out).contains(VALUE) && !stderr(out).contains(VALUE));
    }

    // Untracked in a repository: not committed, not reported.
    git(p, &["rm", "-q", "--cached", ".env.prod", ".env.staging"]);
    let out = berth_in(p, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn without_a_repository_a_file_not_ignored_is_checked() {
    let dir = tempdir();
    let p = dir.path();
    init_mvp(p);
    edit(
        p,
        ".env.prod",
        "CREATOR_HUB_SECRET_KEY=\n",
        &format!("CREATOR_HUB_SECRET_KEY='{VALUE}'\n"),
    );
    let out = berth_in(p, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("CREATOR_HUB_SECRET_KEY: secret (line 73: a secret value in a file not ignored by .gitignore"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains(VALUE));
    write(p, ".gitignore", ".env.prod\n");
    let out = berth_in(p, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
