//! The editor and the command line report the same diagnostics: every component of the
//! repository's fixtures, with a route whose name is no route and an import cycle, is checked
//! by `eghact check --json` and by `eghact-lsp` (`textDocument/diagnostic`), and each file gets
//! the same codes, messages and ranges from both.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

#[path = "../crates/lsp/tests/common/mod.rs"]
mod lsp;

/// One diagnostic as both front ends can state it: code, 0-based line and byte column of its
/// start and end, and the message with its help.
type Reported = (String, u64, u64, u64, u64, String);

/// Every component of the fixture folders, as `(a unique file name in src/, text)`.
fn fixture_components() -> Vec<(String, String)> {
    let components = eghact_test_support::repository_components().into_iter().enumerate();
    components.map(|(i, (_, text))| (format!("src/Fixture{i}.egh"), text)).collect()
}

/// The byte column of the 1-based char `column` on the 0-based `line` of `text`.
fn byte_column(text: &str, line: u64, column: u64) -> u64 {
    let line = text.split('\n').nth(line as usize).unwrap_or("");
    line.chars().take(column.saturating_sub(1) as usize).map(char::len_utf8).sum::<usize>() as u64
}

fn from_cli(root: &Path) -> BTreeMap<String, Vec<Reported>> {
    let output = Command::new(env!("CARGO_BIN_EXE_eghact")).args(["check", "--json"]).arg(root).output().expect("run eghact");
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON from eghact check ({e}): {}", String::from_utf8_lossy(&output.stderr)));
    let mut files: BTreeMap<String, Vec<Reported>> = BTreeMap::new();
    for d in report["diagnostics"].as_array().expect("diagnostics") {
        let file = d["file"].as_str().expect("a file").to_string();
        let Some(line) = d["line"].as_u64() else { continue }; // a path diagnostic, not a component's
        let text = std::fs::read_to_string(root.join(&file)).expect("the file");
        let (line, end_line) = (line - 1, d["endLine"].as_u64().expect("an end") - 1);
        let column = byte_column(&text, line, d["column"].as_u64().expect("a column"));
        let end_column = byte_column(&text, end_line, d["endColumn"].as_u64().expect("an end column"));
        let mut message = d["message"].as_str().expect("a message").to_string();
        if let Some(help) = d["help"].as_str() {
            message = format!("{message}\nhelp: {help}");
        }
        files.entry(file).or_default().push((
            d["code"].as_str().expect("a code").into(),
            line,
            column,
            end_line,
            end_column,
            message,
        ));
    }
    files
}

/// A file URI, with the brackets of route parameters escaped as a URI requires.
fn uri(path: &Path) -> String {
    lsp::uri(path).replace('[', "%5B").replace(']', "%5D")
}

fn from_server(root: &Path, paths: &[String]) -> BTreeMap<String, Vec<Reported>> {
    let mut client = lsp::Client::start();
    client.initialize(root, json!({ "general": { "positionEncodings": ["utf-8"] } }));
    let mut files = BTreeMap::new();
    for path in paths {
        let report = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri(&root.join(path)) } }));
        let reported: Vec<Reported> = report["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| {
                let at = |end: &str, part: &str| d["range"][end][part].as_u64().expect("a position");
                let code = d["code"].as_str().expect("a code").to_string();
                (
                    code,
                    at("start", "line"),
                    at("start", "character"),
                    at("end", "line"),
                    at("end", "character"),
                    d["message"].as_str().expect("a message").to_string(),
                )
            })
            .collect();
        if !reported.is_empty() {
            files.insert(path.clone(), reported);
        }
    }
    client.shut_down();
    files
}

#[test]
fn the_editor_and_the_command_line_report_the_same_diagnostics() {
    let mut files = fixture_components();
    assert!(files.len() > 40, "only {} fixtures found", files.len());
    files.extend([
        ("src/routes/index.egh".to_string(), "<template><p>home</p></template>\n".to_string()),
        ("src/routes/[bad-name].egh".to_string(), "<template><p>?</p></template>\n".to_string()),
        (
            "src/CycleA.egh".to_string(),
            "<script>\nimport B from './CycleB.egh';\n</script>\n<template><B /></template>\n".to_string(),
        ),
        (
            "src/CycleB.egh".to_string(),
            "<script>\nimport A from './CycleA.egh';\n</script>\n<template><A /></template>\n".to_string(),
        ),
    ]);
    let entries: Vec<(&str, &str)> = files.iter().map(|(path, text)| (path.as_str(), text.as_str())).collect();
    let (_dir, root) = lsp::project(&entries);
    let paths: Vec<String> = files.iter().map(|(path, _)| path.clone()).collect();

    let mut cli = from_cli(&root);
    for reported in cli.values_mut() {
        reported.sort();
    }
    let mut server = from_server(&root, &paths);
    for reported in server.values_mut() {
        reported.sort();
    }
    for code in ["E0502", "E0505"] {
        assert!(cli.values().flatten().any(|d| d.0 == code), "the project was meant to have {code}");
    }
    let differing: Vec<String> = paths
        .iter()
        .filter(|path| cli.get(*path) != server.get(*path))
        .map(|path| format!("{path}:\n  eghact check: {:?}\n  eghact-lsp:   {:?}", cli.get(path), server.get(path)))
        .collect();
    assert!(differing.is_empty(), "{} files differ:\n{}", differing.len(), differing.join("\n"));
}
