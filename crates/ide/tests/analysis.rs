//! The façade as an editor drives it: files go in through `AnalysisHost::apply`, requests go to
//! the `Analysis` it hands out, by project path and byte offset.

use eghact_analysis::db::{Database, Layout};
use eghact_ide::{AnalysisHost, Depth, FileChange, InlayKind, Target};
use eghact_syntax::diagnostics::Span;

const BADGE: &str = "<script lang=\"ts\">\n  export let count: number;\n</script>\n<template><span>{count}</span></template>\n";
const APP: &str = "<script>\n  import Badge from './Badge.egh';\n  let total = 1;\n  $: double = total * 2;\n</script>\n<template><Badge count={total} /><Missing /></template>\n";

fn host() -> AnalysisHost {
    let mut host =
        AnalysisHost::new(Database::default(), Layout { src: "src".into(), src_from_out: "../src".into(), ..Layout::default() });
    let files = [("src/Badge.egh", BADGE), ("src/App.egh", APP), ("src/util.mjs", "export const x = 1;\n")];
    let changed = host.apply(files.map(|(path, text)| FileChange::Write { path: path.into(), text: text.into() }));
    assert_eq!(changed, ["src/App.egh", "src/Badge.egh", "src/util.mjs"]);
    host
}

fn offset(text: &str, needle: &str) -> u32 {
    text.find(needle).unwrap_or_else(|| panic!("{needle:?} in the text")) as u32
}

#[test]
fn diagnostics_are_the_engine_s_for_components_and_script_modules() {
    let mut host = host();
    host.apply([FileChange::Write { path: "src/broken.ts".into(), text: "import { y } from './nowhere';\n".into() }]);
    let analysis = host.analysis();
    let codes = |depth| {
        let diagnostics = analysis.diagnostics("src/App.egh", depth).unwrap().expect("a component");
        diagnostics.iter().map(|d| d.code.to_string()).collect::<Vec<_>>()
    };
    assert!(codes(Depth::Full).contains(&"E0403".to_string()), "{:?}", codes(Depth::Full));
    assert_eq!(codes(Depth::Component), codes(Depth::Full), "no cycles here");
    assert_eq!(analysis.diagnostics("src/util.mjs", Depth::Full).unwrap(), Some(Vec::new()));
    let broken = analysis.diagnostics("src/broken.ts", Depth::Full).unwrap().expect("a script module");
    assert_eq!(broken.iter().map(|d| d.code.to_string()).collect::<Vec<_>>(), ["E0501"]);
    assert_eq!(analysis.diagnostics("src/Gone.egh", Depth::Full).unwrap(), None);
    assert_eq!(analysis.components(), ["src/App.egh", "src/Badge.egh"]);
}

#[test]
fn a_snapshot_keeps_its_revision_and_a_new_one_sees_the_change() {
    let mut host = host();
    let before = host.analysis();
    assert_eq!(before.text("src/Badge.egh"), BADGE);
    drop(before);
    host.apply([FileChange::Remove { path: "src/Badge.egh".into() }]);
    let after = host.analysis();
    assert!(!after.contains("src/Badge.egh"));
    assert_eq!(after.importers("src/Badge.egh").unwrap(), Vec::<String>::new());
}

#[test]
fn navigation_answers_paths_and_spans() {
    let analysis = host().analysis();
    let tag = offset(APP, "Badge count") + 1;
    assert_eq!(
        analysis.definition("src/App.egh", tag).unwrap(),
        Some(Target { path: "src/Badge.egh".into(), span: Span::new(0, 0) })
    );
    let (declaration, uses) = analysis.references("src/App.egh", offset(APP, "total * 2")).unwrap().expect("references");
    assert_eq!(declaration.text(APP), "total");
    assert_eq!(uses.len(), 2, "in `$:` and in the template");
    assert_eq!(analysis.importers("src/Badge.egh").unwrap(), ["src/App.egh"]);
    let hover = analysis.hover("src/App.egh", tag).unwrap().expect("the component's contract");
    assert!(hover.markdown.contains("count"), "{}", hover.markdown);
}

#[test]
fn renaming_a_prop_reaches_its_importers_and_moving_a_file_its_imports() {
    let analysis = host().analysis();
    let at = offset(BADGE, "count:");
    assert_eq!(analysis.prepare_rename("src/Badge.egh", at).unwrap(), Some(Span::new(at, at + 5)));
    let edits = analysis.rename("src/Badge.egh", at, "amount").unwrap().expect("edits");
    let mut paths: Vec<&str> = edits.iter().map(|e| e.path.as_str()).collect();
    paths.dedup();
    assert_eq!(paths, ["src/App.egh", "src/Badge.egh"], "{edits:?}");
    let moved = analysis.file_rename_edits("src/Badge.egh", "src/lib/Badge.egh").unwrap();
    assert!(moved.iter().any(|e| e.path == "src/App.egh" && e.text.contains("lib/Badge.egh")), "{moved:?}");
    assert_eq!(analysis.file_rename_edits("src/util.mjs", "src/lib/util.mjs").unwrap(), []);
}

#[test]
fn views_of_one_file_are_plain_data() {
    let analysis = host().analysis();
    let hints = analysis.inlay_hints("src/App.egh", Span::new(0, APP.len() as u32)).unwrap().expect("hints");
    let kinds: Vec<(InlayKind, &str)> = hints.iter().map(|h| (h.kind, h.label.as_str())).collect();
    assert_eq!(kinds, [(InlayKind::Type, ": number")]);
    assert!(analysis.semantic_tokens("src/App.egh").unwrap().is_some_and(|t| !t.is_empty()));
    assert_eq!(analysis.semantic_tokens("src/util.mjs").unwrap(), None);
    let messy = "<template>\n<p>hi</p></template>\n";
    let mut host = host();
    host.apply([FileChange::Write { path: "src/Messy.egh".into(), text: messy.into() }]);
    let formatted = host.analysis().format("src/Messy.egh").unwrap().expect("it parses");
    assert_ne!(formatted, messy);
    let actions = host.analysis().code_actions("src/App.egh", Span::new(0, APP.len() as u32)).unwrap().expect("actions");
    assert!(actions.iter().all(|a| !a.title.is_empty()));
    let completions = host.analysis().completion("src/App.egh", offset(APP, "<Missing") + 2).unwrap().expect("items");
    assert!(completions.items.iter().any(|i| i.label == "Badge"), "{completions:?}");
}
