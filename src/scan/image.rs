//! The Python distributions installed in a built image, read from `docker image save` without
//! running the image.
//!
//! An image's filesystem is its layers applied in order. `docker image save` streams a tar
//! holding `manifest.json` (the layer order) and every layer as a tar (plain, or gzip-compressed
//! by the containerd image store). berth reads each layer once as it streams past, keeping only
//! its `*.dist-info/METADATA` (and `*.egg-info/PKG-INFO`) files and its whiteouts, then applies
//! the layers in the manifest's order: a whiteout `.wh.NAME` deletes NAME from the layers below,
//! `.wh..wh..opq` empties its folder below. What is left is what `pip list` would show in the
//! running container, transitive dependencies included, without starting it (no entrypoint runs,
//! no network, no privileges). Reading `pip list` in a container would need the image to run and
//! pip to be in it; the standard's runtime stage need not have pip.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Installed {
    /// `Name:` as written in METADATA.
    pub name: String,
    pub version: String,
    /// The METADATA file, absolute inside the image.
    pub path: String,
}

/// What one layer adds and deletes.
#[derive(Debug, Clone, Default)]
struct Layer {
    /// METADATA path -> (name, version).
    metadata: BTreeMap<String, (String, String)>,
    /// Paths deleted by a `.wh.NAME` file.
    deleted: Vec<String>,
    /// Folders emptied by a `.wh..wh..opq` file.
    opaque: Vec<String>,
}

/// Runs `docker image save IMAGE` and reads its output.
pub(crate) fn installed(image: &str) -> Result<Vec<Installed>> {
    let fix = "build the image first (`docker compose build`, or scripts/verify-stack.py build), \
               or check its name with `docker image ls`";
    let mut child = Command::new("docker")
        .args(["image", "save", image])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Usage {
            message: format!("--image {image}: cannot run `docker image save`: {e}"),
            fix: "install Docker (the `docker` command must be on PATH)".into(),
        })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let read = read_save(stdout);
    // Drain the rest so that docker is not blocked on a full pipe, then wait for it.
    let output = child
        .wait_with_output()
        .map_err(|e| Error::io("docker", e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::Usage {
            message: format!(
                "--image {image}: `docker image save` failed ({}): {}",
                output.status,
                stderr.trim()
            ),
            fix: fix.into(),
        });
    }
    read.map_err(|why| Error::Usage {
        message: format!("--image {image}: the saved image cannot be read: {why}"),
        fix: fix.into(),
    })
}

/// The distributions of the image saved in `reader` (a `docker image save` tar).
pub(crate) fn read_save(reader: impl Read) -> std::result::Result<Vec<Installed>, String> {
    let mut archive = tar::Archive::new(reader);
    let mut manifest: Option<serde_json::Value> = None;
    let mut layers: BTreeMap<String, Layer> = BTreeMap::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        if name == "manifest.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text).map_err(|e| e.to_string())?;
            manifest =
                Some(serde_json::from_str(&text).map_err(|e| format!("manifest.json: {e}"))?);
        } else if name.ends_with(".tar") || name.starts_with("blobs/") {
            // A blob may be a config or an OCI index rather than a layer: not a tar, skipped.
            if let Ok(layer) = read_layer(&mut entry) {
                layers.insert(name, layer);
            }
        }
    }
    let manifest = manifest.ok_or("no manifest.json (is this `docker image save` output?)")?;
    let order: Vec<String> = manifest
        .get(0)
        .and_then(|m| m.get("Layers"))
        .and_then(|l| l.as_array())
        .ok_or("manifest.json has no Layers list")?
        .iter()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
    let mut files: BTreeMap<String, (String, String)> = BTreeMap::new();
    for name in &order {
        let layer = layers
            .get(name)
            .cloned()
            .ok_or_else(|| format!("layer {name} is missing or not a readable tar"))?;
        for dir in &layer.opaque {
            files.retain(|p, _| !under(p, dir));
        }
        for gone in &layer.deleted {
            files.retain(|p, _| p != gone && !under(p, gone));
        }
        files.extend(layer.metadata);
    }
    let mut out: Vec<Installed> = files
        .into_iter()
        .map(|(path, (name, version))| Installed {
            name,
            version,
            path: format!("/{path}"),
        })
        .collect();
    out.sort();
    Ok(out)
}

fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// One layer's METADATA files and whiteouts (a gzip layer is decompressed on the fly).
fn read_layer(reader: impl Read) -> std::io::Result<Layer> {
    let mut buffered = BufReader::new(reader);
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let mut archive = tar::Archive::new(inner);
    let mut layer = Layer::default();
    let mut any = false;
    for entry in archive.entries()? {
        let mut entry = entry?;
        any = true;
        let path = entry.path()?.to_string_lossy().into_owned();
        let path = path
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string();
        let (dir, file) = match path.rsplit_once('/') {
            Some((d, f)) => (d.to_string(), f.to_string()),
            None => (String::new(), path.clone()),
        };
        if file == ".wh..wh..opq" {
            layer.opaque.push(dir);
        } else if let Some(gone) = file.strip_prefix(".wh.") {
            layer.deleted.push(if dir.is_empty() {
                gone.to_string()
            } else {
                format!("{dir}/{gone}")
            });
        } else if is_metadata(&dir, &file) && entry.header().entry_type().is_file() {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            if let Some(dist) = parse_metadata(&text) {
                layer.metadata.insert(path, dist);
            }
        }
    }
    if any {
        Ok(layer)
    } else {
        Err(std::io::Error::other("an empty or non-tar blob"))
    }
}

fn is_metadata(dir: &str, file: &str) -> bool {
    (file == "METADATA" && dir.ends_with(".dist-info"))
        || (file == "PKG-INFO" && dir.ends_with(".egg-info"))
}

/// `Name:` and `Version:` from a core metadata file's header block.
fn parse_metadata(text: &str) -> Option<(String, String)> {
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            match key.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(value.trim().to_string()),
                "version" => version = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    Some((name?, version?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_headers() {
        let text = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.11.2\n\nName: not-this\n";
        assert_eq!(
            parse_metadata(text),
            Some(("Jinja2".into(), "2.11.2".into()))
        );
        assert_eq!(parse_metadata("Name: x\n"), None);
    }

    #[test]
    fn whiteout_paths() {
        assert!(under("a/b/METADATA", "a/b"));
        assert!(!under("a/bc/METADATA", "a/b"));
        assert!(under("a/b", ""));
    }
}
