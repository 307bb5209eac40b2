//! `berth scan` against advisory databases made here (a few hand-written advisories covering
//! `introduced`/`fixed`/`last_affected` ranges, `versions` lists, pre- and post-releases,
//! epochs, aliases and withdrawn entries; as a PyPA folder and as an osv-scanner zip), against
//! databases it must refuse (missing, unreadable, no PyPI advisory, stale: exit 2), against a
//! built image read through a stand-in `docker image save` (layers, gzip, whiteouts), and against
//! the real PyPA snapshot in `../shared` (ignored, with the reason, where it is absent).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::common::{berth, init_mvp, stderr, stdout, tempdir, write};

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (the civil-from-days algorithm).
fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap();
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// One advisory as PyPA YAML.
fn advisory(id: &str, package: &str, modified: &str, body: &str) -> String {
    format!(
        "id: {id}\nmodified: {modified}\n{body}affected:\n- package:\n    name: {package}\n    ecosystem: PyPI\n"
    )
}

/// The hand-made database, modified `days_old` days ago.
fn hand_db(dir: &Path, days_old: u64) -> PathBuf {
    let db = dir.join("advisory-db");
    let m = rfc3339(now() - days_old * 86_400);
    let ranges = |events: &str| format!("  ranges:\n  - type: ECOSYSTEM\n    events:\n{events}");
    let files = [
        (
            "demo-lib/TEST-2020-1.yaml",
            advisory(
                "TEST-2020-1",
                "demo-lib",
                &m,
                "aliases:\n- CVE-2020-1\nsummary: demo-lib range\n",
            ) + &ranges("    - introduced: '1.0'\n    - fixed: '1.5'\n"),
        ),
        (
            "demo-lib/GHSA-aaaa-bbbb-cccc.yaml",
            advisory(
                "GHSA-aaaa-bbbb-cccc",
                "demo_lib",
                &m,
                "aliases:\n- CVE-2020-1\n",
            ) + &ranges("    - introduced: '0'\n    - fixed: '1.5'\n"),
        ),
        (
            "lastlib/TEST-LAST.yaml",
            advisory("TEST-LAST", "lastlib", &m, "summary: last affected 2.0\n")
                + &ranges("    - introduced: '0'\n    - last_affected: '2.0'\n"),
        ),
        (
            "prelib/TEST-PRE.yaml",
            advisory("TEST-PRE", "prelib", &m, "summary: fixed in 3.0\n")
                + &ranges("    - introduced: '0'\n    - fixed: '3.0'\n"),
        ),
        (
            "epochlib/TEST-EPOCH.yaml",
            advisory("TEST-EPOCH", "epochlib", &m, "summary: epoch 0 only\n")
                + &ranges("    - introduced: '0'\n    - fixed: '2.0'\n"),
        ),
        (
            "listlib/TEST-LIST.yaml",
            advisory("TEST-LIST", "listlib", &m, "summary: listed versions\n")
                + "  versions:\n  - 0.9\n  - '1.1'\n",
        ),
        (
            "gonelib/TEST-GONE.yaml",
            advisory(
                "TEST-GONE",
                "gonelib",
                &m,
                &format!("withdrawn: {m}\nsummary: withdrawn\n"),
            ) + &ranges("    - introduced: '0'\n"),
        ),
    ];
    for (rel, text) in files {
        write(&db.join("vulns"), rel, &text);
    }
    db
}

fn scan(dir: &Path, args: &[&str]) -> Output {
    berth()
        .current_dir(dir)
        .env_remove("BERTH_ADVISORY_DB")
        .env_remove("IMAGE_PREFIX")
        .env_remove("IMAGE_TAG")
        .arg("scan")
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)))
}

/// (target, package, version, id, aliases) of every finding.
fn findings(report: &Value) -> Vec<(String, String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("-").to_string();
            let aliases: Vec<&str> = f["aliases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            (
                s("target"),
                s("package"),
                s("version"),
                s("id"),
                aliases.join(" "),
            )
        })
        .collect()
}

fn row(t: &str, p: &str, v: &str, id: &str, a: &str) -> (String, String, String, String, String) {
    (t.into(), p.into(), v.into(), id.into(), a.into())
}

/// A rendered mvp project whose services pin the hand-made database's cases.
fn project() -> tempfile::TempDir {
    let dir = tempdir();
    init_mvp(dir.path());
    let reqs = [
        (
            "auth-service",
            "demo-lib==1.2  # in [1.0, 1.5)\nlastlib==2.0\nprelib==3.0rc1\nepochlib==1!1.0\n",
        ),
        (
            "creator-hub",
            "Demo_Lib==1.5\nlastlib==2.0.post1\nprelib==3.0\nlistlib==0.9.0\ngonelib==1.0\n",
        ),
        ("ai-engine", "listlib==1.0\nuvicorn>=0.30\n"),
        ("channel-service", "listlib==1.1\n"),
    ];
    for (service, text) in reqs {
        write(
            dir.path(),
            &format!("services/{service}/requirements.txt"),
            text,
        );
    }
    dir
}

#[test]
fn ranges_lists_releases_epochs_aliases_withdrawn_and_unpinned() {
    let dir = project();
    let db = hand_db(dir.path(), 1);
    let out = scan(
        dir.path(),
        &["--db", db.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        findings(&report),
        [
            row("ai-engine", "uvicorn", "-", "BS-UNPINNED", ""),
            // Two advisories naming CVE-2020-1: one finding, ids merged.
            row(
                "auth-service",
                "demo-lib",
                "1.2",
                "GHSA-aaaa-bbbb-cccc",
                "CVE-2020-1 TEST-2020-1"
            ),
            row("auth-service", "lastlib", "2.0", "TEST-LAST", ""),
            row("auth-service", "prelib", "3.0rc1", "TEST-PRE", ""),
            row("channel-service", "listlib", "1.1", "TEST-LIST", ""),
            row("creator-hub", "listlib", "0.9.0", "TEST-LIST", ""),
        ]
    );
    assert_eq!(report["database"]["withdrawn"], 1);
    let pre = &report["findings"].as_array().unwrap()[3];
    assert_eq!(pre["fixed"], "3.0");
    assert_eq!(pre["fix"], "upgrade prelib to 3.0 or later");
    // The text lists what was checked, each finding with its fix.
    let text = scan(dir.path(), &["--db", db.to_str().unwrap()]);
    assert_eq!(text.status.code(), Some(1));
    let text = stdout(&text);
    assert!(
        text.contains("checked: demo-lib 1.2, epochlib 1!1.0, lastlib 2.0, prelib 3.0rc1"),
        "{text}"
    );
    assert!(text.contains("`uvicorn>=0.30` cannot be scanned"), "{text}");
    assert!(
        text.contains("6 findings (5 vulnerable, 1 unpinned)"),
        "{text}"
    );
}

#[test]
fn clean_pins_exit_0_and_every_format_renders() {
    let dir = project();
    for service in [
        "auth-service",
        "creator-hub",
        "ai-engine",
        "channel-service",
    ] {
        write(
            dir.path(),
            &format!("services/{service}/requirements.txt"),
            "demo-lib==1.5\n",
        );
    }
    let db = hand_db(dir.path(), 1);
    let out = scan(dir.path(), &["--db", db.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("0 findings"), "{}", stdout(&out));
    // SARIF and GitHub annotations for a run with findings.
    write(
        dir.path(),
        "services/ai-engine/requirements.txt",
        "demo-lib==1.0\n",
    );
    let sarif = scan(
        dir.path(),
        &["--db", db.to_str().unwrap(), "--format", "sarif"],
    );
    assert_eq!(sarif.status.code(), Some(1));
    let log = json(&sarif);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "GHSA-aaaa-bbbb-cccc");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "services/ai-engine/requirements.txt"
    );
    let github = scan(
        dir.path(),
        &["--db", db.to_str().unwrap(), "--format", "github"],
    );
    assert_eq!(
        stdout(&github).lines().next().unwrap(),
        "::error file=services/ai-engine/requirements.txt,line=1,title=GHSA-aaaa-bbbb-cccc::demo-lib 1.0: GHSA-aaaa-bbbb-cccc (CVE-2020-1, TEST-2020-1): demo-lib range%0Afix: upgrade demo-lib to 1.5 or later"
    );
}

#[test]
fn an_osv_scanner_zip_is_read_like_the_folder() {
    let dir = project();
    let m = rfc3339(now() - 3600);
    let zip = dir.path().join("all.zip");
    let entries = serde_json::json!({
        "GHSA-zzzz.json": { "id": "GHSA-zzzz", "modified": m, "aliases": ["CVE-9"],
            "summary": "zip advisory",
            "affected": [{ "package": { "ecosystem": "PyPI", "name": "lastlib" },
                "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "1.0" }, { "fixed": "2.0.post1" }] }] }] },
        "PYSEC-9.json": { "id": "PYSEC-9", "modified": m, "aliases": ["CVE-9"],
            "affected": [{ "package": { "ecosystem": "PyPI", "name": "lastlib" }, "versions": ["2.0"] }] },
    });
    let script = "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\n\
                  [z.writestr(k,json.dumps(v)) for k,v in json.loads(sys.argv[2]).items()]\nz.close()\n";
    let made = std::process::Command::new("python3")
        .args(["-c", script, zip.to_str().unwrap(), &entries.to_string()])
        .status()
        .unwrap();
    assert!(made.success());
    let out = scan(
        dir.path(),
        &["--db", zip.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        findings(&json(&out)),
        [
            row("ai-engine", "uvicorn", "-", "BS-UNPINNED", ""),
            row(
                "auth-service",
                "lastlib",
                "2.0",
                "GHSA-zzzz",
                "CVE-9 PYSEC-9"
            ),
        ]
    );
}

#[test]
fn a_database_that_cannot_be_trusted_exits_2_and_never_says_clean() {
    let dir = project();
    let path = dir.path();
    // None given.
    let out = scan(path, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("BERTH_ADVISORY_DB"),
        "{}",
        stderr(&out)
    );
    // Missing.
    let out = scan(path, &["--db", "no-such-db"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-db"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    // Stale: 400 days old, the default --max-age is 30 days; the message says the age and how
    // to refresh, and --max-age accepts it explicitly.
    let stale = hand_db(&path.join("stale"), 400);
    let out = scan(path, &["--db", stale.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("is 400 days old"), "{err}");
    assert!(err.contains("git -C advisory-database pull"), "{err}");
    assert!(err.contains("--max-age 401d"), "{err}");
    assert!(stdout(&out).is_empty());
    let out = scan(
        path,
        &["--db", stale.to_str().unwrap(), "--max-age", "401d"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = scan(
        path,
        &["--db", stale.to_str().unwrap(), "--max-age", "soon"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--max-age = soon"),
        "{}",
        stderr(&out)
    );
    // No PyPI advisory at all.
    let npm = path.join("npm-db");
    write(
        &npm,
        "vulns/left-pad/X.json",
        &format!(
            r#"{{"id":"X","modified":"{}","affected":[{{"package":{{"ecosystem":"npm","name":"left-pad"}}}}]}}"#,
            rfc3339(now())
        ),
    );
    let out = scan(path, &["--db", npm.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("holds no PyPI advisory"),
        "{}",
        stderr(&out)
    );
    // Unreadable: one file that is not an advisory.
    let broken = hand_db(&path.join("broken"), 1);
    write(&broken, "vulns/x/BAD.yaml", "id: [unclosed\n");
    let out = scan(path, &["--db", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("BAD.yaml is not an OSV advisory"),
        "{}",
        stderr(&out)
    );
}

/// A `docker image save` tar built by python3's tarfile: two layers, the second gzip-compressed,
/// whose whiteouts delete a distribution and empty a folder of the first.
fn saved_image(dir: &Path) -> PathBuf {
    let site = "opt/venv/lib/python3.12/site-packages";
    let meta =
        |n: &str, v: &str| format!("Metadata-Version: 2.1\nName: {n}\nVersion: {v}\n\nbody\n");
    let layers = serde_json::json!([
        {
            format!("{site}/demo_lib-1.2.dist-info/METADATA"): meta("demo_lib", "1.2"),
            format!("{site}/prelib-3.0rc1.dist-info/METADATA"): meta("prelib", "3.0rc1"),
            "usr/share/old/listlib-0.9.dist-info/METADATA": meta("listlib", "0.9"),
        },
        {
            format!("{site}/.wh.prelib-3.0rc1.dist-info"): "",
            "usr/share/old/.wh..wh..opq": "",
            format!("{site}/lastlib-2.0.dist-info/METADATA"): meta("lastlib", "2.0"),
        },
    ]);
    let script = r#"
import gzip, io, json, sys, tarfile
def tar_bytes(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name); info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
layers = json.loads(sys.argv[2])
names = ["blobs/sha256/%02d" % i for i in range(len(layers))]
with tarfile.open(sys.argv[1], "w") as out:
    def add(name, data):
        info = tarfile.TarInfo(name); info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    for i, files in reversed(list(enumerate(layers))):
        data = tar_bytes(files)
        add(names[i], gzip.compress(data) if i == 1 else data)
    add("blobs/sha256/config", b'{"architecture": "amd64"}')
    add("manifest.json", json.dumps([{"Config": "blobs/sha256/config", "Layers": names}]).encode())
"#;
    let path = dir.join("image.tar");
    let made = std::process::Command::new("python3")
        .args(["-c", script, path.to_str().unwrap(), &layers.to_string()])
        .status()
        .unwrap();
    assert!(made.success());
    path
}

/// A PATH whose `docker` is the tests' stand-in, answering from `scenario`.
fn fake_docker(dir: &Path, scenario: &Value) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/fake_docker.py");
    let docker = bin.join("docker");
    let scenario_path = dir.join("scenario.json");
    std::fs::write(&scenario_path, scenario.to_string()).unwrap();
    std::fs::write(
        &docker,
        format!(
            "#!/bin/sh\nFAKE_DOCKER_SCENARIO='{}' FAKE_DOCKER_LOG='{}' exec python3 '{}' \"$@\"\n",
            scenario_path.display(),
            dir.join("calls.log").display(),
            fake.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn an_image_is_read_from_docker_image_save_with_whiteouts_honoured() {
    let dir = project();
    let db = hand_db(dir.path(), 1);
    let tar = saved_image(dir.path());
    let mut saves = serde_json::Map::new();
    saves.insert("demo/ai-engine:latest".into(), tar.to_str().unwrap().into());
    saves.insert("shop/creator-hub:v2".into(), tar.to_str().unwrap().into());
    let path = fake_docker(dir.path(), &serde_json::json!({ "saves": saves }));
    let db = db.to_str().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        berth()
            .current_dir(dir.path())
            .env("PATH", &path)
            .env_remove("BERTH_ADVISORY_DB")
            .env_remove("IMAGE_PREFIX")
            .env_remove("IMAGE_TAG")
            .envs(env.iter().copied())
            .args(["scan", "--db", db, "--format", "json"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--image", "demo/ai-engine:latest"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    // prelib was whited out, listlib's folder made opaque: only what is left is checked.
    assert_eq!(
        report["targets"][0]["checked"],
        serde_json::json!([{"name": "demo_lib", "version": "1.2"}, {"name": "lastlib", "version": "2.0"}])
    );
    let image = "demo/ai-engine:latest";
    assert_eq!(
        findings(&report),
        [
            row(
                image,
                "demo_lib",
                "1.2",
                "GHSA-aaaa-bbbb-cccc",
                "CVE-2020-1 TEST-2020-1"
            ),
            row(image, "lastlib", "2.0", "TEST-LAST", ""),
        ]
    );
    assert_eq!(
        report["findings"][1]["installed_at"],
        "/opt/venv/lib/python3.12/site-packages/lastlib-2.0.dist-info/METADATA"
    );
    // --images: every service's image, named as Compose names it; one not built is an error.
    let out = run(&["--images"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("demo/auth-service:latest"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("No such image"), "{}", stderr(&out));
    let out = run(
        &["--image", "shop/creator-hub:v2"],
        &[("IMAGE_PREFIX", "ignored-for-named-images")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// `../shared/advisories/pypa-advisory-database` (or `$BERTH_PYPA_DB`), relative to the
/// repository, read in place.
#[cfg(pypa_snapshot)]
fn snapshot() -> PathBuf {
    let rel = std::env::var("BERTH_PYPA_DB")
        .unwrap_or_else(|_| "../shared/advisories/pypa-advisory-database".into());
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
#[cfg_attr(
    not(pypa_snapshot),
    ignore = "needs the PyPA advisory database snapshot in ../shared (build.rs found none)"
)]
fn the_real_pypa_snapshot_finds_the_known_advisories_and_none_in_the_seeded_pins() {
    #[cfg(pypa_snapshot)]
    {
        let dir = tempdir();
        init_mvp(dir.path());
        write(
            dir.path(),
            "services/auth-service/requirements.txt",
            "fastapi==0.65.1\njinja2==2.11.2\n",
        );
        let db = snapshot();
        // The snapshot is as old as it is (its SOURCE.md says so): accept its age explicitly.
        let out = scan(
            dir.path(),
            &[
                "--db",
                db.to_str().unwrap(),
                "--max-age",
                "36500d",
                "--format",
                "json",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let report = json(&out);
        let ids: Vec<(String, String, String)> = findings(&report)
            .into_iter()
            .map(|(t, p, _, id, _)| (t, p, id))
            .collect();
        let a = "auth-service".to_string();
        for (package, id) in [
            ("fastapi", "PYSEC-2021-100"),
            ("fastapi", "PYSEC-2024-38"),
            ("jinja2", "PYSEC-2021-66"),
        ] {
            assert!(
                ids.contains(&(a.clone(), package.into(), id.into())),
                "{id} missing from {ids:?}"
            );
        }
        // The other services keep the versions berth seeds: no finding.
        assert!(ids.iter().all(|(t, _, _)| *t == a), "{ids:?}");
        // Without --max-age the snapshot is refused as stale.
        let out = scan(dir.path(), &["--db", db.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(stderr(&out).contains("days old"), "{}", stderr(&out));
    }
}
