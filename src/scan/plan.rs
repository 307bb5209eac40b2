//! What `berth scan` looks at: the scan's plan, from the resolved project or `--image` names.
//!
//! Per service of berth.toml: its `services/<name>/requirements.txt`, or with `--images` its
//! built image, named as the Compose file names it (`${IMAGE_PREFIX:-<project>}/<service>:
//! ${IMAGE_TAG:-latest}`, the two variables read from this process's environment as Compose
//! would). `--image IMG` names images directly and needs no project. The gateway runs nginx,
//! not Python, so it is not a target.

use std::path::Path;

use super::{Source, Target};
use crate::model::Project;

/// The folder of a service's files, relative to the project root.
fn service_dir(name: &str) -> String {
    format!("services/{name}")
}

/// Every service's requirements file.
pub(crate) fn requirements(project: &Project, root: &Path) -> Vec<Target> {
    project
        .services
        .iter()
        .map(|s| {
            let display = format!("{}/requirements.txt", service_dir(&s.name));
            Target {
                name: s.name.clone(),
                source: Source::Requirements {
                    path: root.join(&display),
                    display,
                },
            }
        })
        .collect()
}

/// Every service's built image, named with `prefix` (the project's name unless `IMAGE_PREFIX`
/// is set) and `tag`.
pub(crate) fn images(project: &Project, prefix: Option<&str>, tag: Option<&str>) -> Vec<Target> {
    let prefix = prefix.filter(|p| !p.is_empty()).unwrap_or(&project.name);
    let tag = tag.filter(|t| !t.is_empty()).unwrap_or("latest");
    project
        .services
        .iter()
        .map(|s| Target {
            name: s.name.clone(),
            source: Source::Image {
                image: format!("{prefix}/{}:{tag}", s.name),
                file: format!("{}/Dockerfile", service_dir(&s.name)),
            },
        })
        .collect()
}

/// Images named on the command line.
pub(crate) fn named_images(images: &[String]) -> Vec<Target> {
    images
        .iter()
        .map(|i| Target {
            name: i.clone(),
            source: Source::Image {
                image: i.clone(),
                file: i.clone(),
            },
        })
        .collect()
}
