//! End-to-end: features that reach across the workspace: workspace symbols, workspace
//! diagnostics, renaming a prop in every component that passes it, and moving a component
//! file with its imports.

mod common;

use common::{Client, codes, project, uri};
use serde_json::{Value, json};

const APP: &str = "<script lang=\"ts\">\n  import Badge from './lib/Badge.egh';\n  let n = 1;\n</script>\n<template>\n  <Badge count={n} />\n  <Badge {count} />\n  <p>{n}</p>\n</template>\n";
const BADGE: &str = "<script lang=\"ts\">\n  import Icon from '../Icon.egh';\n  /** How many. */\n  export let count: number = 0;\n</script>\n<template><span>{count}</span><Icon /></template>\n";
const ICON: &str = "<template><i>*</i></template>\n";
const BROKEN: &str = "<template><p>{missing}</p></template>\n";

fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    project(&[("src/App.egh", APP), ("src/lib/Badge.egh", BADGE), ("src/Icon.egh", ICON), ("src/Broken.egh", BROKEN)])
}

/// `(uri, [(line, character, new text)])` of a workspace edit, sorted.
fn edits(edit: &Value) -> Vec<(String, Vec<(u64, u64, String)>)> {
    let mut files: Vec<(String, Vec<(u64, u64, String)>)> = edit["changes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(uri, edits)| {
            let mut list: Vec<(u64, u64, String)> = edits
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let start = &e["range"]["start"];
                    (start["line"].as_u64().unwrap(), start["character"].as_u64().unwrap(), e["newText"].as_str().unwrap().into())
                })
                .collect();
            list.sort();
            (uri.clone(), list)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn workspace_symbols_and_workspace_diagnostics() {
    let (_dir, root) = workspace();
    let mut client = Client::start();
    client.initialize(&root, json!({}));

    let symbols = client.request("workspace/symbol", json!({ "query": "bdg" }));
    let found: Vec<(&str, u64)> =
        symbols.as_array().unwrap().iter().map(|s| (s["name"].as_str().unwrap(), s["kind"].as_u64().unwrap())).collect();
    assert_eq!(found, [("Badge", 5)], "{symbols}");
    let symbols = client.request("workspace/symbol", json!({ "query": "cou" }));
    assert_eq!(symbols[0]["name"], "count");
    assert_eq!(symbols[0]["containerName"], "Badge");
    assert_eq!(symbols[0]["location"]["uri"], uri(&root.join("src/lib/Badge.egh")));
    assert_eq!(symbols[0]["location"]["range"]["start"], json!({ "line": 3, "character": 13 }));

    // Every component's report; a second pull with the result ids is all "unchanged".
    let report = client.request("workspace/diagnostic", json!({ "previousResultIds": [] }));
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let broken = items.iter().find(|i| i["uri"] == uri(&root.join("src/Broken.egh"))).unwrap();
    assert_eq!(codes(broken["items"].as_array().unwrap()), ["E0601"]);
    let previous: Vec<Value> = items.iter().map(|i| json!({ "uri": i["uri"], "value": i["resultId"] })).collect();
    let again = client.request("workspace/diagnostic", json!({ "previousResultIds": previous }));
    let kinds: Vec<&str> = again["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["unchanged"; 4]);
    assert!(client.exit().success());
}

#[test]
fn renaming_a_prop_renames_it_in_every_component_that_passes_it() {
    let (_dir, root) = workspace();
    let (app, badge) = (uri(&root.join("src/App.egh")), uri(&root.join("src/lib/Badge.egh")));
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    let expected = vec![
        (app.clone(), vec![(5, 9, "total".to_string()), (6, 9, "total={count}".to_string())]),
        (badge.clone(), vec![(3, 13, "total".to_string()), (5, 17, "total".to_string())]),
    ];

    // From the declaration in the child, and from an attribute in the parent.
    for (document, line, character) in [(&badge, 3, 14), (&app, 5, 10)] {
        let at = json!({ "textDocument": { "uri": document }, "position": { "line": line, "character": character } });
        let range = client.request("textDocument/prepareRename", at.clone());
        assert_eq!(range["start"]["line"], line, "{range}");
        let mut params = at;
        params["newName"] = json!("total");
        let edit = client.request("textDocument/rename", params);
        assert_eq!(edits(&edit), expected, "{edit}");
    }
    // A plain script name stays in its component.
    let at = json!({ "textDocument": { "uri": app }, "position": { "line": 2, "character": 6 }, "newName": "m" });
    let edit = client.request("textDocument/rename", at);
    assert_eq!(edits(&edit), [(app.clone(), vec![(2, 6, "m".into()), (5, 16, "m".into()), (7, 6, "m".into())])]);
    assert!(client.exit().success());
}

#[test]
fn moving_a_component_updates_the_imports() {
    let (_dir, root) = workspace();
    let mut client = Client::start();
    let init = client.initialize(&root, json!({}));
    assert_eq!(init["capabilities"]["workspace"]["fileOperations"]["willRename"]["filters"][0]["pattern"]["glob"], "**/*.egh");

    let (from, to) = (uri(&root.join("src/lib/Badge.egh")), uri(&root.join("src/ui/forms/Badge.egh")));
    let edit = client.request("workspace/willRenameFiles", json!({ "files": [{ "oldUri": from, "newUri": to }] }));
    let expected = vec![
        (uri(&root.join("src/App.egh")), vec![(1, 20, "'./ui/forms/Badge.egh'".to_string())]),
        (from.clone(), vec![(1, 19, "'../../Icon.egh'".to_string())]),
    ];
    assert_eq!(edits(&edit), expected, "{edit}");
    // A file nothing imports and that imports nothing needs no edit.
    let edit = client.request(
        "workspace/willRenameFiles",
        json!({ "files": [{ "oldUri": uri(&root.join("src/Broken.egh")), "newUri": uri(&root.join("src/x/Broken.egh")) }] }),
    );
    assert_eq!(edit, Value::Null);
    assert!(client.exit().success());
}
