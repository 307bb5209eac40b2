//! BA-T001 (port) and BA-T002 (workers): the standard's service table ("Port Assignments",
//! "Worker Allocation"), for the services it names.
//!
//! A Dockerfile is the service named by the Compose service that builds it, else by its
//! folder (`services/auth-service/Dockerfile`). Ports are read from `EXPOSE`, port variables
//! (`UVICORN_PORT`, `PORT`, ...) and `--port`/`--bind` arguments; workers from worker
//! variables (`UVICORN_WORKERS`, `WEB_CONCURRENCY`, ...) and `--workers`/`-w` arguments. The
//! table itself is `[[services]]` of the standard's data.

use crate::audit::dockerfile::Kind;
use crate::audit::project::{ComposeDoc, DockerfileDoc};
use crate::audit::relpath::split;
use crate::standard::StandardService;

use super::Sink;

const PORT_KEYS: [&str; 4] = ["UVICORN_PORT", "PORT", "APP_PORT", "SERVICE_PORT"];
const WORKER_KEYS: [&str; 4] = [
    "UVICORN_WORKERS",
    "WEB_CONCURRENCY",
    "WORKERS",
    "GUNICORN_WORKERS",
];

/// A value found for a port or a worker count: (what, value, line).
type Seen = (String, String, u32);

pub(super) fn check_dockerfile(sink: &mut Sink, doc: &DockerfileDoc) {
    let mut names: Vec<String> = doc
        .contexts
        .iter()
        .filter_map(|u| u.service.as_ref().map(|(_, n)| n.clone()))
        .collect();
    if names.is_empty() {
        let folder = split(split(&doc.relative).0).1;
        names.push(folder.to_string());
    }
    let Some(row) = names.iter().find_map(|n| sink.standard.service(n)).cloned() else {
        return;
    };
    let Some(last) = doc.runtime() else { return };
    let (mut ports, mut workers) = (Vec::new(), Vec::new());
    for stage in doc.parsed.lineage(last) {
        for ins in &stage.instructions {
            match &ins.kind {
                Kind::Expose(values) => {
                    for v in values.iter().filter_map(|v| v.known()) {
                        let port = v.split('/').next().unwrap_or(v);
                        ports.push(("EXPOSE".to_string(), port.to_string(), ins.line));
                    }
                }
                Kind::Env(pairs) => {
                    for (key, value) in pairs {
                        let Some(v) = value.known() else { continue };
                        classify(key, v, ins.line, &mut ports, &mut workers);
                    }
                }
                Kind::Cmd(cmd) | Kind::Entrypoint(cmd) => {
                    arguments(&cmd.words(), ins.line, &mut ports, &mut workers);
                }
                _ => {}
            }
        }
    }
    report(sink, &doc.source.display, doc.dev, &row, &ports, &workers);
}

pub(super) fn check_compose(sink: &mut Sink, doc: &ComposeDoc) {
    for service in &doc.parsed.services {
        let Some(row) = sink.standard.service(&service.name).cloned() else {
            continue;
        };
        let (mut ports, mut workers) = (Vec::new(), Vec::new());
        for port in &service.ports {
            ports.push((
                "the container port".to_string(),
                port.target.clone(),
                port.line,
            ));
        }
        for var in &service.environment {
            if let Some(v) = &var.value {
                classify(&var.key, v, var.line, &mut ports, &mut workers);
            }
        }
        arguments(&service.command, service.line, &mut ports, &mut workers);
        report(sink, &doc.source.display, doc.dev, &row, &ports, &workers);
    }
}

fn classify(key: &str, value: &str, line: u32, ports: &mut Vec<Seen>, workers: &mut Vec<Seen>) {
    if PORT_KEYS.contains(&key) {
        ports.push((key.to_string(), value.to_string(), line));
    } else if WORKER_KEYS.contains(&key) {
        workers.push((key.to_string(), value.to_string(), line));
    }
}

/// `--port 8001`, `--port=8001`, `--bind 0.0.0.0:8001`, `-b :8001`, `--workers 2`, `-w 2`.
fn arguments(words: &[String], line: u32, ports: &mut Vec<Seen>, workers: &mut Vec<Seen>) {
    for (i, word) in words.iter().enumerate() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
            _ => (word.as_str(), None),
        };
        let value = || inline.clone().or_else(|| words.get(i + 1).cloned());
        match flag {
            "--port" => ports.extend(value().map(|v| (flag.to_string(), v, line))),
            "--bind" | "-b" => {
                let port = value().and_then(|v| v.rsplit_once(':').map(|(_, p)| p.to_string()));
                ports.extend(port.map(|p| (flag.to_string(), p, line)));
            }
            "--workers" | "-w" => workers.extend(value().map(|v| (flag.to_string(), v, line))),
            _ => {}
        }
    }
}

fn report(
    sink: &mut Sink,
    file: &str,
    dev: bool,
    row: &StandardService,
    ports: &[Seen],
    workers: &[Seen],
) {
    for (what, value, line) in ports {
        if value.parse::<u16>().is_ok_and(|p| p != row.port) {
            sink.push(
                "BA-T001",
                file,
                dev,
                *line,
                format!(
                    "{what} {value} for {}: the standard assigns port {}",
                    row.name, row.port
                ),
                Some(format!("use port {}", row.port)),
            );
        }
    }
    for (what, value, line) in workers {
        if value.parse::<u32>().is_ok_and(|w| w != row.workers) {
            sink.push(
                "BA-T002",
                file,
                dev,
                *line,
                format!(
                    "{what} {value} for {}: the standard allocates {} worker(s) ({})",
                    row.name, row.workers, row.workers_reason
                ),
                Some(format!("use {} worker(s)", row.workers)),
            );
        }
    }
}
