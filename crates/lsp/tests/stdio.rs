//! End-to-end: the real `eghact-lsp --stdio` driven by a small LSP client over its pipes.

mod common;

use common::{Client, codes, uri};
use serde_json::{Value, json};

const APP: &str = "<script lang=\"ts\">\n  import Badge from './Badge.egh';\n  let count = 0;\n</script>\n<template>\n  <button @click=\"count += 1\">{cout}</button>\n  <Badge n={count} />\n</template>\n";
const BADGE: &str = "<script lang=\"ts\">\n  export let n: number = 0;\n</script>\n<template><span>{n}</span></template>\n";

#[test]
fn diagnostics_hover_definition_and_cross_file_updates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/App.egh"), APP).unwrap();
    std::fs::write(root.join("src/Badge.egh"), BADGE).unwrap();
    let (app, badge) = (uri(&root.join("src/App.egh")), uri(&root.join("src/Badge.egh")));

    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&root), "capabilities": {
            "general": { "positionEncodings": ["utf-16"] },
            "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
            "window": { "workDoneProgress": true }
        } }),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    client.notify("initialized", json!({}));

    // Open: the typo is reported with its code and exact range.
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": app, "languageId": "eghact", "version": 1, "text": APP } }),
    );
    let diagnostics = client.diagnostics_for(&app);
    assert_eq!(codes(&diagnostics), ["E0601"]);
    // The server asks to watch every file the engine reads, `.mjs` and `.cts` included.
    let registrations = client.requests_of("client/registerCapability");
    let watched = &registrations.first().expect("the server asks to watch files")["registrations"][0];
    assert_eq!(watched["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(watched["registerOptions"]["watchers"][0]["globPattern"], "**/*.{egh,ts,mts,cts,js,mjs}");
    assert_eq!(
        diagnostics[0]["range"],
        json!({ "start": { "line": 5, "character": 31 }, "end": { "line": 5, "character": 35 } })
    );

    // An incremental edit fixes it.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": app, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 5, "character": 31 }, "end": { "line": 5, "character": 35 } }, "text": "count" }]
        }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), Vec::<String>::new());

    // Hover and definition of `count` in the template.
    let at = json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 33 } });
    let hover = client.request("textDocument/hover", at.clone());
    assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("count: number")), "{hover}");
    let definition = client.request("textDocument/definition", at);
    assert_eq!(definition["uri"], app);
    assert_eq!(definition["range"]["start"], json!({ "line": 2, "character": 6 }));

    // References, highlight and rename of `count` cover the script and the template.
    let refs = client.request("textDocument/references", json!({ "textDocument": { "uri": app }, "position": { "line": 2, "character": 7 }, "context": { "includeDeclaration": true } }));
    let lines: Vec<u64> = refs.as_array().unwrap().iter().map(|l| l["range"]["start"]["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 5, 5, 6]);
    let edit = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": app }, "position": { "line": 6, "character": 15 }, "newName": "total" }),
    );
    assert_eq!(edit["changes"][app.as_str()].as_array().map(Vec::len), Some(4), "{edit}");

    // The outline and the folds of the document.
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": app } }));
    let names: Vec<&str> = symbols.as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["count", "<button>", "<Badge>"]);
    let folds = client.request("textDocument/foldingRange", json!({ "textDocument": { "uri": app } }));
    assert_eq!(folds[0], json!({ "startLine": 0, "endLine": 2 }), "{folds}");

    // Completion of names in scope inside a template expression, and of components after `<`.
    let names = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 32 } }),
    );
    let labels: Vec<&str> = names.as_array().unwrap().iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"count") && labels.contains(&"Badge"), "{labels:?}");
    let tags = client
        .request("textDocument/completion", json!({ "textDocument": { "uri": app }, "position": { "line": 6, "character": 3 } }));
    assert_eq!(tags[0]["label"], "Badge", "{tags}");

    // Changing the child's prop type updates the parent's diagnostics.
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": badge, "languageId": "eghact", "version": 1, "text": BADGE } }),
    );
    assert_eq!(codes(&client.diagnostics_for(&badge)), Vec::<String>::new());
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": badge, "version": 2 }, "contentChanges": [{ "text": BADGE.replace("n: number = 0", "n: string = ''") }] }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), ["E0604"]);

    // Inlay hints give the types of `$:` names.
    let reactive =
        "<script lang=\"ts\">\n  let count = 0;\n  $: doubled = count * 2;\n</script>\n<template><p>{doubled}</p></template>\n";
    let hinted = uri(&root.join("src/Hinted.egh"));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": hinted, "languageId": "eghact", "version": 1, "text": reactive } }),
    );
    client.diagnostics_for(&hinted);
    let range = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 9, "character": 0 } });
    let hints = client.request("textDocument/inlayHint", json!({ "textDocument": { "uri": hinted }, "range": range }));
    assert_eq!(hints, json!([{ "position": { "line": 2, "character": 12 }, "label": ": number", "kind": 1 }]));

    // Linked editing of `<button>` … `</button>`.
    let linked = client.request(
        "textDocument/linkedEditingRange",
        json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 4 } }),
    );
    let starts: Vec<&Value> = linked["ranges"].as_array().unwrap().iter().map(|r| &r["start"]).collect();
    assert_eq!(starts, [&json!({ "line": 5, "character": 3 }), &json!({ "line": 5, "character": 39 })], "{linked}");

    // A quick fix for `{{ count }}`.
    let braces = APP.replace("{cout}", "{{ count }}");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": app, "version": 3 }, "contentChanges": [{ "text": braces }] }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), ["W0101", "E0604"]);
    let range = json!({ "start": { "line": 5, "character": 31 }, "end": { "line": 5, "character": 31 } });
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": app }, "range": range, "context": { "diagnostics": [] } }),
    );
    let edit = &actions[0]["edit"]["changes"][app.as_str()][0];
    assert_eq!(edit["newText"], "{count}", "{actions}");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": app, "version": 4 }, "contentChanges": [{ "text": APP.replace("{cout}", "{count}") }] }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), ["E0604"]);

    // A save rebuilds into the output folder, with progress.
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": app } }));
    assert!(client.notification("eghact/buildStarted")["total"].as_u64().is_some());
    let finished = client.notification("eghact/buildCompleted");
    assert_eq!(finished["files"], 3, "{finished}");
    assert!(!client.requests_of("window/workDoneProgress/create").is_empty(), "{:?}", client.requests);
    assert!(root.join("dist/Badge.js").is_file());

    // Pull diagnostics give the same answer.
    let pulled = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": app } }));
    assert_eq!(pulled["kind"], "full");
    assert_eq!(codes(pulled["items"].as_array().unwrap()), ["E0604"]);

    // A change on disk to a file the editor has not open reaches the open documents.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": badge } }));
    client.diagnostics_for(&badge);
    std::fs::write(root.join("src/Badge.egh"), BADGE.replace("n: number = 0", "n: number | string = 0")).unwrap();
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": badge, "type": 2 }] }));
    assert_eq!(codes(&client.diagnostics_for(&app)), Vec::<String>::new());

    client.shut_down();
}
