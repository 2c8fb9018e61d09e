//! Size budgets (`[bundle.budgets]`, DESIGN.md's smart bundling): the initial JavaScript (entry
//! chunks and what they import) and each async chunk, minified, before compression. A chunk
//! over its budget is W0810 naming it and its largest modules (E0810 with `--strict-budgets`).

use eghact_syntax::diagnostics::{Diagnostic, Span};

use crate::chunks::Chunk;
use crate::model::{Budgets, ChunkKind, ModuleSize};

/// How many of the largest modules a budget diagnostic names.
const LARGEST: usize = 5;

pub(crate) fn check(chunks: &[Chunk], budgets: &Budgets, strict: bool) -> Vec<(String, Diagnostic)> {
    let mut diagnostics = Vec::new();
    let over = |what: String, bytes: usize, budget_kb: u64, key: &str, members: &[&Chunk]| {
        let mut modules: Vec<&ModuleSize> = members.iter().flat_map(|c| &c.modules).collect();
        modules.sort_by(|a, b| b.rendered_bytes.cmp(&a.rendered_bytes).then_with(|| a.source.cmp(&b.source)));
        let largest: Vec<String> =
            modules.iter().take(LARGEST).map(|m| format!("{} ({})", m.source, kb(m.rendered_bytes))).collect();
        let message = format!("{what} is {}, over its budget of {budget_kb} KB", kb(bytes));
        let diagnostic = if strict {
            Diagnostic::error("E0810", message, Span::default())
        } else {
            Diagnostic::warning("W0810", message, Span::default())
        };
        diagnostic.with_label(format!("largest modules (before minifying): {}", largest.join(", "))).with_help(format!(
            "load what the first screen does not need with `import()` or a route, or raise `[bundle.budgets] {key}` in eghact.toml"
        ))
    };
    let initial: Vec<&Chunk> = chunks.iter().filter(|c| c.kind != ChunkKind::Async).collect();
    let initial_bytes: usize = initial.iter().map(|c| c.code.len()).sum();
    if initial_bytes as u64 > budgets.initial_kb * 1000
        && let Some(entry) = initial.first()
    {
        let diagnostic = over("the initial JavaScript".into(), initial_bytes, budgets.initial_kb, "initial_kb", &initial);
        diagnostics.push((entry.file.clone(), diagnostic));
    }
    for chunk in chunks.iter().filter(|c| c.kind == ChunkKind::Async && c.code.len() as u64 > budgets.async_kb * 1000) {
        let diagnostic =
            over(format!("the async chunk `{}`", chunk.file), chunk.code.len(), budgets.async_kb, "async_kb", &[chunk]);
        diagnostics.push((chunk.file.clone(), diagnostic));
    }
    diagnostics
}

/// Bytes as KB (1,000 bytes) with one decimal.
fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}
