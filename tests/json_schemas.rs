//! Every JSON document the command line and the language server give tools matches its schema
//! in docs/schemas/ (one style: camelCase keys, a `version`): `--json` (with `--release` too),
//! a bundle's `manifest.json`, `--summary`, `eghact cache`, and the editor's build notifications
//! and results.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

#[path = "../crates/lsp/tests/common/mod.rs"]
mod lsp;
mod schema;

use schema::assert_valid;

const FILES: [(&str, &str); 3] = [
    (
        "src/App.egh",
        "<script>\nimport Card from './Card.egh';\nlet count = 0;\n</script>\n<template><Card title=\"a\" />{count}</template>\n",
    ),
    (
        "src/Card.egh",
        "<script>\nexport let title;\n</script>\n<template><h2>{title}</h2></template>\n<style>h2 { color: red; } .unused { color: blue; }</style>\n",
    ),
    ("src/Broken.egh", "<template><p>{missing}</p></template>\n"),
];

fn eghact(args: &[&str], dir: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_eghact")).args(args).arg(dir).output().expect("run eghact");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("eghact {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stderr)))
}

#[test]
fn the_command_line_writes_what_its_schemas_say() {
    let (_dir, root) = lsp::project(&FILES);
    let summary_path = root.join("summary.json");
    for args in [["check", "--json"].as_slice(), &["build", "--json", "--summary", summary_path.to_str().unwrap()]] {
        let report = eghact(args, &root);
        assert_valid("report.schema.json", "", &report);
        assert!(report["errors"].as_u64() > Some(0), "the project was meant to have an error: {report}");
    }
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary_path).unwrap()).unwrap();
    assert_valid("summary.schema.json", "", &summary);
    // A second build reads the record and the cache: other states, the same shape.
    eghact(&["build", "--json", "--summary", summary_path.to_str().unwrap()], &root);
    let again: Value = serde_json::from_str(&std::fs::read_to_string(&summary_path).unwrap()).unwrap();
    assert_valid("summary.schema.json", "", &again);
    for action in ["stats", "gc", "clear"] {
        assert_valid("cache.schema.json", "", &eghact(&["cache", action], &root));
    }
}

#[test]
fn a_release_build_and_its_manifest_are_what_their_schemas_say() {
    let page = "<!doctype html><html><head></head><body><script type=\"module\">import { start } from '/dist/eghact-routes.js';\nstart({ target: document.body });</script></body></html>";
    let (_dir, root) = lsp::project(&[
        ("index.html", page),
        ("src/routes/index.egh", "<template><h1>home</h1></template>\n<style>h1 { color: red; }</style>\n"),
        ("src/routes/about.egh", "<template><h1>about</h1></template>\n"),
        ("eghact.toml", "[bundle.budgets]\ninitial_kb = 1\n"),
    ]);
    let report = eghact(&["build", "--release", "--json"], &root);
    assert_valid("report.schema.json", "", &report);
    assert_eq!(report["warnings"], 1, "the budget's warning: {report}");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(root.join("dist/manifest.json")).unwrap()).unwrap();
    assert_valid("bundle-manifest.schema.json", "", &manifest);
}

#[test]
fn the_editor_s_build_notifications_and_results_are_what_their_schema_says() {
    let (_dir, root) = lsp::project(&FILES);
    let mut client = lsp::Client::start();
    client.initialize(&root, json!({}));
    let result = client.request("eghact/buildWorkspace", Value::Null);
    assert_valid("lsp-build.schema.json", "/$defs/completed", &result);
    assert_eq!(result["misses"], 3, "{result}");
    assert_valid("lsp-build.schema.json", "/$defs/started", &client.notification("eghact/buildStarted"));
    assert_valid("lsp-build.schema.json", "/$defs/progress", &client.notification("eghact/buildProgress"));
    assert_valid("lsp-build.schema.json", "/$defs/completed", &client.notification("eghact/buildCompleted"));
    client.shut_down();
}

#[test]
fn the_dev_server_s_messages_are_what_their_schema_says() {
    use eghact_dev::protocol::{ErrorReport, Message, ModuleUpdate, encode};
    let error = ErrorReport {
        path: "src/App.egh".into(),
        code: "E0202".into(),
        message: "Unexpected token".into(),
        line: 2,
        column: 15,
        frame: "error[E0202]: Unexpected token\n --> src/App.egh:2:15\n".into(),
        open_url: "/__open-in-editor?file=src/App.egh&line=2&column=15".into(),
        editor_url: "vscode://file/p/src/App.egh:2:15".into(),
    };
    let messages = [
        Message::Connected,
        Message::Update { updates: vec![ModuleUpdate { path: "src/App.egh".into(), url: "/src/App.egh".into(), timestamp: 2 }] },
        Message::Style { path: "src/App.egh".into(), url: "/src/App.egh".into(), css: "p{}".into() },
        Message::Reload { reason: "src/main.ts changed".into() },
        Message::Errors { errors: vec![error] },
        Message::Errors { errors: Vec::new() },
    ];
    for message in &messages {
        let value: Value = serde_json::from_str(&encode(message)).unwrap();
        assert_valid("dev-hmr.schema.json", "", &value);
    }
}
