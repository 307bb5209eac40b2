//! Safe when runs meet and when the tree is hostile (docs/regenerate.md, "When runs overlap,
//! and what berth refuses to write"): one writer at a time holds the project lock, readers never see a
//! run half-way, a killed run's lock does not block the next, and nothing is created, replaced
//! or removed outside the project through a symbolic link.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{berth, init_mvp, read, read_tree, run_ok, tempdir};

/// Starts berth in `dir` with extra environment variables; stderr is piped.
pub(crate) fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = berth();
    cmd.current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

/// Reads the child's stderr until a line containing `needle` (the child keeps running).
pub(crate) fn wait_for_line(child: &mut Child, needle: &str) -> String {
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(needle) {
            // Keep draining in the background so the child never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return seen;
        }
    }
    panic!("berth exited without printing {needle:?}:\n{seen}");
}

fn services_in(dir: &Path) -> Vec<String> {
    let manifest: toml::Table = read(dir, "berth.toml").parse().unwrap();
    manifest["services"]
        .as_table()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn four_runs_at_once_all_land_twenty_times_over() {
    for round in 0..20 {
        let tmp = tempdir();
        let dir = tmp.path();
        run_ok(
            dir,
            &["init", ".", "--preset", "mvp", "--name", "conc", "--yes"],
        );
        let names = ["svc-a", "svc-b", "svc-c", "svc-d"];
        let children: Vec<Child> = names
            .iter()
            .map(|n| spawn(dir, &["new", n, "--yes"], &[]))
            .collect();
        for (name, child) in names.iter().zip(children) {
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}, {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let services = services_in(dir);
        for name in names {
            assert!(
                services.iter().any(|s| s == name),
                "round {round}: {name} lost: {services:?}"
            );
        }
        let check = berth().current_dir(dir).arg("check").output().unwrap();
        assert_eq!(
            check.status.code(),
            Some(0),
            "round {round}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

#[test]
fn a_second_run_waits_saying_so_or_with_no_wait_exits_2_naming_the_holder() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let mut holder = spawn(dir, &["generate"], &[("BERTH_HOLD_LOCK_MS", "3000")]);
    wait_for_line(&mut holder, "holding the project lock");

    let before = read_tree(dir);
    let refused = berth()
        .current_dir(dir)
        .args(["--no-wait", "new", "billing", "--yes"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("is locked by pid {}", holder.id()))
            && stderr.contains("berth generate"),
        "{stderr}"
    );
    assert!(stderr.contains("fix:"), "{stderr}");
    assert_eq!(read_tree(dir), before, "--no-wait wrote something");

    let waiting = berth()
        .current_dir(dir)
        .args(["new", "billing", "--yes"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&waiting.stderr);
    assert_eq!(waiting.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Blocking waiting for the project lock")
            && stderr.contains(&format!("pid {}", holder.id())),
        "{stderr}"
    );
    assert!(holder.wait().unwrap().success());
    assert!(services_in(dir).contains(&"billing".to_string()));
}

#[test]
fn a_run_killed_while_holding_the_lock_does_not_block_the_next() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let mut holder = spawn(
        dir,
        &["new", "svc-k", "--yes"],
        &[("BERTH_HOLD_LOCK_MS", "60000")],
    );
    wait_for_line(&mut holder, "holding the project lock");
    holder.kill().unwrap(); // SIGKILL: no clean-up of any kind
    holder.wait().unwrap();
    let start = Instant::now();
    let out = berth()
        .current_dir(dir)
        .args(["--no-wait", "new", "svc-j", "--yes"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(services_in(dir).iter().filter(|s| *s == "svc-j").count(), 1);
    assert!(
        !services_in(dir).contains(&"svc-k".to_string()),
        "the killed run wrote"
    );
}

#[test]
fn check_never_sees_a_run_half_way() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    // The writer pauses after its third write (berth.toml and two files are new by then).
    let mut writer = spawn(
        dir,
        &["new", "billing", "--yes"],
        &[("BERTH_PAUSE_AFTER_WRITES", "3")],
    );
    wait_for_line(&mut writer, "pausing after 3 write(s)");
    let check = berth().current_dir(dir).arg("check").output().unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "check saw a half-written project:\n{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(writer.wait().unwrap().success());
    assert!(services_in(dir).contains(&"billing".to_string()));
}

#[test]
fn a_folder_linked_out_of_the_project_is_refused_before_any_write() {
    let tmp = tempdir();
    let dir = tmp.path().join("project");
    let outside = tmp.path().join("elsewhere");
    std::fs::create_dir(&dir).unwrap();
    init_mvp(&dir);
    std::fs::rename(dir.join("services/ai-engine"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("services/ai-engine")).unwrap();
    // Something to write: a regenerate after a manifest change.
    let manifest = read(&dir, "berth.toml").replace(
        "[services.ai-engine]\n",
        "[services.ai-engine]\nworkers = 2\n",
    );
    std::fs::write(dir.join("berth.toml"), manifest).unwrap();
    std::fs::remove_file(outside.join("Dockerfile")).unwrap();

    let (inside_before, outside_before) = (read_tree(&dir), read_tree(&outside));
    for args in [
        &["generate"][..],
        &["generate", "--prune", "--force"],
        &["new", "billing", "--yes"],
    ] {
        let out = berth().current_dir(&dir).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("services/ai-engine is a symbolic link to")
                && stderr.contains(&outside.canonicalize().unwrap().display().to_string())
                && stderr.contains("outside the project"),
            "{stderr}"
        );
        assert_eq!(
            read_tree(&outside),
            outside_before,
            "{args:?} wrote outside the project"
        );
        assert_eq!(read_tree(&dir), inside_before, "{args:?} wrote inside");
    }
}

#[test]
fn a_file_linked_out_of_the_project_is_refused() {
    let tmp = tempdir();
    let dir = tmp.path().join("project");
    std::fs::create_dir(&dir).unwrap();
    init_mvp(&dir);
    let target = tmp.path().join("shared-ignore");
    std::fs::rename(dir.join(".dockerignore"), &target).unwrap();
    std::os::unix::fs::symlink(&target, dir.join(".dockerignore")).unwrap();
    let before = std::fs::read(&target).unwrap();
    let out = berth()
        .current_dir(&dir)
        .args(["generate"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&target).unwrap(), before);
}

#[test]
fn a_file_linked_inside_the_project_is_merged_and_stays_a_link() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    std::fs::create_dir(dir.join("config")).unwrap();
    std::fs::rename(dir.join(".hadolint.yaml"), dir.join("config/hadolint.yaml")).unwrap();
    std::os::unix::fs::symlink("config/hadolint.yaml", dir.join(".hadolint.yaml")).unwrap();
    let edited = format!("{}# team: reviewed\n", read(dir, "config/hadolint.yaml"));
    std::fs::write(dir.join("config/hadolint.yaml"), &edited).unwrap();
    // A standards update that changes .hadolint.yaml.
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/.hadolint.yaml.tera"
    ))
    .unwrap();
    std::fs::create_dir(dir.join("org")).unwrap();
    std::fs::write(
        dir.join("org/.hadolint.yaml.tera"),
        template.replace("ignored:\n", "failure-threshold: warning\nignored:\n"),
    )
    .unwrap();

    let out = run_ok(dir, &["--templates", "org", "generate"]);
    assert!(out.contains("merged       .hadolint.yaml"), "{out}");
    let meta = std::fs::symlink_metadata(dir.join(".hadolint.yaml")).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let merged = read(dir, "config/hadolint.yaml");
    assert!(
        merged.contains("failure-threshold: warning") && merged.ends_with("# team: reviewed\n"),
        "{merged}"
    );
}
