//! `manifest.json` beside the bundle: what a server or a test needs to know of it without
//! parsing JavaScript. Chunks by file (kind, the source they stand for, imports, stylesheet,
//! sources), and each route of `src/routes/` with every file its page needs
//! (docs/schemas/bundle-manifest.schema.json).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use eghact_semantics::routes::{ROUTES_DIR, page_route};
use serde_json::json;

use crate::chunks::{Chunk, css_file};
use crate::plugin::EghactPlugin;

pub const MANIFEST_FILE: &str = "manifest.json";

pub(crate) fn manifest(chunks: &[Chunk], plugin: &EghactPlugin, src: &Path, root: &Path) -> String {
    let by_file: BTreeMap<&str, &Chunk> = chunks.iter().map(|chunk| (chunk.file.as_str(), chunk)).collect();
    let routes_prefix = src.join(ROUTES_DIR).strip_prefix(root).map(|p| format!("{}/", p.to_string_lossy())).unwrap_or_default();
    let mut routes = BTreeMap::new();
    let mut listed = BTreeMap::new();
    for chunk in chunks {
        let source = chunk.facade.as_deref().map(|id| plugin.source_of(id));
        listed.insert(
            chunk.file.clone(),
            json!({
                "kind": chunk.kind,
                "source": source,
                "imports": chunk.imports,
                "dynamicImports": chunk.dynamic_imports,
                "css": (!chunk.css.is_empty()).then(|| css_file(&chunk.file)),
                "bytes": chunk.code.len(),
                "sources": chunk.modules.iter().map(|m| m.source.as_str()).collect::<BTreeSet<_>>(),
            }),
        );
        let Some(route) = source.as_deref().and_then(|s| s.strip_prefix(&routes_prefix)).and_then(page_route) else { continue };
        // The page's chunk and everything it imports statically, each once.
        let mut files: Vec<&str> = Vec::new();
        let mut stack = vec![chunk.file.as_str()];
        while let Some(file) = stack.pop() {
            if files.contains(&file) {
                continue;
            }
            files.push(file);
            if let Some(imported) = by_file.get(file) {
                stack.extend(imported.imports.iter().rev().map(String::as_str));
            }
        }
        let css: Vec<String> =
            files.iter().filter_map(|file| by_file.get(file)).filter(|c| !c.css.is_empty()).map(|c| css_file(&c.file)).collect();
        routes.insert(route, json!({ "source": source, "chunk": chunk.file, "files": files, "css": css }));
    }
    let entries: Vec<&str> =
        chunks.iter().filter(|c| c.kind == crate::model::ChunkKind::Entry).map(|c| c.file.as_str()).collect();
    let document = json!({ "version": 1, "entries": entries, "chunks": listed, "routes": routes });
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}
