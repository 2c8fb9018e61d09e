//! Rolldown's chunks as the bundle reads them: their kind (entry, loaded by an entry before the
//! app runs, or async), their modules and their components' styles.

use std::collections::BTreeSet;

use rolldown_common::Output;

use crate::model::{ChunkKind, ChunkReport, ModuleSize};
use crate::plugin::EghactPlugin;

/// A chunk as Rolldown wrote it, with what the page and the manifest need.
pub(crate) struct Chunk {
    pub file: String,
    pub code: String,
    pub map: Option<(String, String)>,
    pub kind: ChunkKind,
    /// The module the chunk stands for (an entry, a route page), when it has one.
    pub facade: Option<String>,
    pub imports: Vec<String>,
    pub dynamic_imports: Vec<String>,
    /// The chunk's modules by their project file, largest first (each source resolved once).
    pub modules: Vec<ModuleSize>,
    pub css: String,
}

/// The stylesheet beside a chunk: `assets/index-1a2b.js` → `assets/index-1a2b.css` (what the
/// runtime's `css_beside` asks for).
pub(crate) fn css_file(chunk: &str) -> String {
    format!("{}.css", chunk.strip_suffix(".js").unwrap_or(chunk))
}

/// Rolldown's chunks, with their kind (entry, imported by an entry before it runs, or async) and
/// their components' styles, in output order.
pub(crate) fn chunks_of(outputs: Vec<Output>, plugin: &EghactPlugin) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = outputs
        .into_iter()
        .filter_map(|output| match output {
            Output::Chunk(chunk) => Some(chunk),
            Output::Asset(_) => None,
        })
        .map(|chunk| {
            let modules: Vec<(String, usize)> = chunk
                .modules
                .keys
                .iter()
                .zip(&chunk.modules.values)
                .map(|(id, module)| (id.as_str().to_string(), module.rendered_length()))
                .collect();
            // In execution order, as the components' styles cascade.
            let css: String = modules.iter().filter_map(|(id, _)| plugin.style_of(id)).fold(String::new(), |mut css, style| {
                css.push_str(&style);
                css
            });
            let mut modules: Vec<ModuleSize> =
                modules.iter().map(|(id, length)| ModuleSize { source: plugin.source_of(id), rendered_bytes: *length }).collect();
            modules.sort_by(|a, b| b.rendered_bytes.cmp(&a.rendered_bytes).then_with(|| a.source.cmp(&b.source)));
            let map = chunk.map.as_ref().map(|map| {
                let file = chunk.sourcemap_filename.clone().unwrap_or_else(|| format!("{}.map", chunk.filename));
                (file, map.to_json_string())
            });
            Chunk {
                file: chunk.filename.to_string(),
                code: chunk.code.clone(),
                map,
                kind: if chunk.is_entry { ChunkKind::Entry } else { ChunkKind::Async },
                facade: chunk.facade_module_id.as_ref().map(|id| id.as_str().to_string()),
                imports: chunk.imports.iter().map(ToString::to_string).collect(),
                dynamic_imports: chunk.dynamic_imports.iter().map(ToString::to_string).collect(),
                modules,
                css,
            }
        })
        .collect();
    // What the entries import statically is loaded before the app runs.
    let mut initial: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> =
        chunks.iter().filter(|c| c.kind == ChunkKind::Entry).flat_map(|c| c.imports.iter().cloned()).collect();
    while let Some(file) = stack.pop() {
        if initial.insert(file.clone())
            && let Some(chunk) = chunks.iter().find(|c| c.file == file)
        {
            stack.extend(chunk.imports.iter().cloned());
        }
    }
    for chunk in &mut chunks {
        if chunk.kind == ChunkKind::Async && initial.contains(&chunk.file) {
            chunk.kind = ChunkKind::Initial;
        }
    }
    chunks
}

pub(crate) fn chunk_report(chunk: &Chunk) -> ChunkReport {
    ChunkReport {
        file: chunk.file.clone(),
        kind: chunk.kind,
        bytes: chunk.code.len(),
        css: (!chunk.css.is_empty()).then(|| css_file(&chunk.file)),
        css_bytes: chunk.css.len(),
        modules: chunk.modules.clone(),
    }
}
