//! BA-X001: files the standard covers that do not parse.

use super::Sink;

pub(super) fn check(sink: &mut Sink) {
    let project = sink.project;
    for doc in &project.dockerfiles {
        if let Some(&line) = doc.parsed.errors.first() {
            let text = doc.source.line_text(line).trim().to_string();
            sink.push(
                "BA-X001",
                &doc.source.display,
                doc.dev,
                line,
                format!(
                    "Dockerfile syntax error at `{}`; the file's other rules were not checked",
                    shorten(&text)
                ),
                None,
            );
        }
    }
    for doc in &project.composes {
        if let Some((line, message)) = &doc.parsed.error {
            sink.push(
                "BA-X001",
                &doc.source.display,
                doc.dev,
                *line,
                format!("YAML syntax error: {message}; the file's other rules were not checked"),
                None,
            );
        }
    }
}

/// At most 60 characters of a line, for a message.
pub(super) fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}
