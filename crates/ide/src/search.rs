//! Workspace symbol search: components by file name and their props, matched fuzzily (the
//! query's characters in order, ignoring case), from outlines only, so that a search over
//! ten thousand components parses nothing that indexing did not.

use eghact_analysis::db::{self, Workspace};
use eghact_syntax::diagnostics::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Component,
    Prop,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    pub path: String,
    pub span: Span,
    /// The component of a prop; the folder of a component.
    pub container: String,
}

/// Symbols matching `query`, best first (a prefix match before a scattered one), at most
/// `limit`.
pub fn workspace_symbols(db: &dyn salsa::Database, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
    let mut found: Vec<(u32, WorkspaceSymbol)> = Vec::new();
    for (path, file) in Workspace::get(db).files(db).iter().filter(|(p, _)| p.ends_with(".egh")) {
        let (folder, file_name) = path.rsplit_once('/').unwrap_or(("", path));
        let component = file_name.trim_end_matches(".egh");
        if let Some(score) = fuzzy_score(query, component) {
            let symbol = WorkspaceSymbol {
                name: component.to_string(),
                kind: SymbolKind::Component,
                path: path.clone(),
                span: Span::new(0, 0),
                container: folder.to_string(),
            };
            found.push((score, symbol));
        }
        let outline = db::outline(db, *file);
        for (prop, span) in outline.signature.props.iter().zip(&outline.prop_spans) {
            if let Some(score) = fuzzy_score(query, &prop.name) {
                let symbol = WorkspaceSymbol {
                    name: prop.name.clone(),
                    kind: SymbolKind::Prop,
                    path: path.clone(),
                    span: *span,
                    container: component.to_string(),
                };
                found.push((score, symbol));
            }
        }
    }
    found.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.name.cmp(&y.name)).then_with(|| x.path.cmp(&y.path)));
    found.into_iter().take(limit).map(|(_, symbol)| symbol).collect()
}

/// `None` unless `candidate` holds the characters of `query` in order (ignoring case);
/// lower is better: 0 for a prefix, then by how far apart the matched characters lie.
fn fuzzy_score(query: &str, candidate: &str) -> Option<u32> {
    let candidate: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
    let mut at = 0;
    let mut first = None;
    let mut gaps = 0;
    for q in query.chars().flat_map(char::to_lowercase) {
        let found = candidate[at..].iter().position(|c| *c == q)?;
        first.get_or_insert(at + found);
        if first != Some(at + found) {
            gaps += found as u32;
        }
        at += found + 1;
    }
    let start = first.unwrap_or(0) as u32;
    Some(if start == 0 && gaps == 0 { 0 } else { 1 + start + gaps })
}

#[cfg(test)]
mod tests {
    use super::fuzzy_score;

    #[test]
    fn fuzzy_scores() {
        assert_eq!(fuzzy_score("", "Card"), Some(0));
        assert_eq!(fuzzy_score("car", "Card"), Some(0));
        assert!(fuzzy_score("crd", "Card").is_some_and(|s| s > 0));
        assert!(fuzzy_score("ard", "Card") > fuzzy_score("car", "Card"));
        assert_eq!(fuzzy_score("dc", "Card"), None);
        assert_eq!(fuzzy_score("x", "Card"), None);
    }
}
