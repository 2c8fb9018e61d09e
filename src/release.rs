//! What `eghact build --release` prints: each file of the bundle with its size, as Vite lists
//! them, or the `bundle` object of `--json` (docs/schemas/report.schema.json).

use eghact_bundle::{BundleReport, ChunkKind};
use serde_json::{Value, json};

/// `document` (the build's `--json` report) with the bundle's diagnostics among its own (on
/// files of the bundle, relative to the output folder) and its `bundle` object.
pub fn add_bundle(document: &mut Value, report: &BundleReport) {
    for (file, d) in &report.diagnostics {
        let counter = if d.is_error() { "errors" } else { "warnings" };
        document[counter] = json!(document[counter].as_u64().unwrap_or(0) + 1);
        if let Some(list) = document["diagnostics"].as_array_mut() {
            list.push(json!({
                "file": file, "code": d.code, "severity": d.severity, "message": d.message, "label": d.label, "help": d.help,
            }));
        }
    }
    document["bundle"] = json!({
        "out": report.out.display().to_string(),
        "chunks": report.chunks,
        "initialBytes": initial_bytes(report),
        "phases": report.phases,
        "reused": report.reused,
    });
}

fn initial_bytes(report: &BundleReport) -> usize {
    report.chunks.iter().filter(|c| c.kind != ChunkKind::Async).map(|c| c.bytes).sum()
}

pub fn print_bundle(report: &BundleReport) {
    let out = report.out.display().to_string();
    let width = report.chunks.iter().map(|c| c.file.len()).max().unwrap_or(0);
    for chunk in &report.chunks {
        let kind = match chunk.kind {
            ChunkKind::Entry => "entry",
            ChunkKind::Initial => "initial",
            ChunkKind::Async => "async",
        };
        let css = match &chunk.css {
            Some(_) => format!(" │ css {:>8}", kb(chunk.css_bytes)),
            None => String::new(),
        };
        println!("  {out}/{:<width$} {:>9} {kind:<7}{css}", chunk.file, kb(chunk.bytes));
    }
    let phases = &report.phases;
    if report.reused {
        println!(
            "{out} is up to date: nothing the last bundle read or wrote has changed ({} chunk{}, {} of initial JavaScript, checked in {:.1} ms)",
            report.chunks.len(),
            if report.chunks.len() == 1 { "" } else { "s" },
            kb(initial_bytes(report)),
            phases.total_ms
        );
        return;
    }
    println!(
        "bundled into {out}: {} chunk{}, {} of initial JavaScript in {:.1} ms (Rolldown {:.1} ms, styles and page {:.1} ms, write {:.1} ms)",
        report.chunks.len(),
        if report.chunks.len() == 1 { "" } else { "s" },
        kb(initial_bytes(report)),
        phases.total_ms,
        phases.rolldown_ms,
        phases.assets_ms,
        phases.write_ms
    );
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}
