//! `[build]` of `berth.toml`, resolved: the installer of the builder stage and the oldest Docker
//! Engine the project must run on.
//!
//! The engine matters for one thing today: Compose refuses `healthcheck.start_interval` on
//! engines older than 25 ("feature require Docker Engine v25 or later"), so berth writes it only
//! when the project says every engine it runs on is 25 or newer. Default: 20.10, the oldest
//! engine the e2e proves (Debian's docker.io).

use super::Problems;
use crate::error::Refusal;
use crate::manifest::Manifest;
use crate::model::Build;

/// The engine assumed when `[build] min_engine` is absent.
const DEFAULT_MIN_ENGINE: &str = "20.10";
/// The first Docker Engine whose Compose accepts `healthcheck.start_interval`.
const START_INTERVAL_ENGINE: u32 = 25;

pub(super) fn resolve(manifest: &Manifest, problems: &mut Problems) -> Build {
    let section = &manifest.build;
    let min_engine = section
        .min_engine
        .clone()
        .unwrap_or_else(|| DEFAULT_MIN_ENGINE.to_string());
    let major = engine_major(&min_engine).unwrap_or_else(|| {
        problems.add(
            "build.min_engine",
            format!("{min_engine:?}"),
            Refusal::new(
                "is not a Docker Engine version",
                "write the oldest engine version the project runs on, like \"20.10\" or \"25.0\"",
            ),
        );
        0
    });
    Build {
        installer: section.installer.unwrap_or_default(),
        min_engine,
        start_interval: major >= START_INTERVAL_ENGINE,
    }
}

/// The major version of "MAJOR" or "MAJOR.MINOR" or "MAJOR.MINOR.PATCH"; `None` for anything else.
fn engine_major(version: &str) -> Option<u32> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse::<u32>().ok()?;
    let rest: Vec<&str> = parts.collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (rest.len() <= 2 && rest.iter().all(numeric) && (1..1000).contains(&major)).then_some(major)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{BuildSection, Installer};

    fn resolved(min_engine: Option<&str>, installer: Option<Installer>) -> (Build, Problems) {
        let mut manifest =
            Manifest::parse("[project]\nname = \"p\"\n", "berth.toml".as_ref()).unwrap();
        manifest.build = BuildSection {
            installer,
            min_engine: min_engine.map(str::to_string),
        };
        let mut problems = Problems::default();
        (resolve(&manifest, &mut problems), problems)
    }

    #[test]
    fn defaults_are_uv_and_engine_20_10_without_start_interval() {
        let (build, problems) = resolved(None, None);
        assert!(problems.0.is_empty());
        assert_eq!(build.installer, Installer::Uv);
        assert_eq!(build.min_engine, "20.10");
        assert!(!build.start_interval);
    }

    #[test]
    fn engines_25_and_newer_get_start_interval() {
        for (version, expected) in [
            ("24.0.7", false),
            ("25", true),
            ("25.0", true),
            ("28.2.2", true),
        ] {
            let (build, problems) = resolved(Some(version), Some(Installer::Pip));
            assert!(problems.0.is_empty(), "{version}");
            assert_eq!(build.start_interval, expected, "{version}");
            assert_eq!(build.installer, Installer::Pip);
        }
    }

    #[test]
    fn a_bad_engine_version_names_field_value_and_fix() {
        for bad in ["", "latest", "25.", "v25", "25.0.1.2", "0"] {
            let (_, problems) = resolved(Some(bad), None);
            let [problem] = problems.0.as_slice() else {
                panic!("{bad:?}: {:?}", problems.0)
            };
            assert_eq!(problem.field, "build.min_engine");
            assert_eq!(problem.value, format!("{bad:?}"));
            assert!(problem.refusal.fix.contains("\"25.0\""), "{problem:?}");
        }
    }
}
