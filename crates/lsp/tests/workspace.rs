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

/// Edits of one document: `(line, character, new text)`.
type Edits = Vec<(u64, u64, String)>;

/// `(uri, edits)` of a workspace edit, sorted.
fn edits(edit: &Value) -> Vec<(String, Edits)> {
    let mut files: Vec<(String, Edits)> = edit["changes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(uri, edits)| {
            let mut list: Edits = edits
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
    client.shut_down();
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
    client.shut_down();
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
    client.shut_down();
}

#[test]
fn quick_fixes_import_a_component_declare_a_prop_and_pass_one() {
    let page = "<script lang=\"ts\">\n  import Icon from './Icon.egh';\n  import Tag from './Tag.egh';\n  let n = 3;\n</script>\n<template>\n  <Icon size={n} />\n  <Tag />\n  <Card />\n</template>\n";
    let tag = "<script lang=\"ts\">\n  export let label: string;\n</script>\n<template><b>{label}</b></template>\n";
    let (_dir, root) =
        project(&[("src/Page.egh", page), ("src/Icon.egh", ICON), ("src/Tag.egh", tag), ("src/lib/Card.egh", ICON)]);
    let (page_uri, icon) = (uri(&root.join("src/Page.egh")), uri(&root.join("src/Icon.egh")));
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    client.open(&page_uri, page);
    assert_eq!(codes(&client.diagnostics_for(&page_uri)), ["E0503", "E0504", "E0403"]);

    let action_at = |client: &mut Client, line: u64, character: u64| {
        let position = json!({ "line": line, "character": character });
        let params = json!({ "textDocument": { "uri": page_uri }, "range": { "start": position, "end": position }, "context": { "diagnostics": [] } });
        let actions = client.request("textDocument/codeAction", params);
        assert_eq!(actions.as_array().map(Vec::len), Some(1), "{actions}");
        (actions[0]["title"].as_str().unwrap().to_string(), edits(&actions[0]["edit"]))
    };
    let declared = "<script lang=\"ts\">\n  export let size: number;\n</script>\n".to_string();
    assert_eq!(action_at(&mut client, 6, 9), ("Add prop `size` to `Icon`".into(), vec![(icon, vec![(0, 0, declared)])]));
    let pass = vec![(page_uri.clone(), vec![(7, 6, " label={''}".to_string())])];
    assert_eq!(action_at(&mut client, 7, 4), ("Pass `label` to `<Tag>`".into(), pass));
    // After the last import.
    let import = vec![(page_uri.clone(), vec![(2, 30, "\n  import Card from './lib/Card.egh';".to_string())])];
    assert_eq!(action_at(&mut client, 8, 4), ("Import `Card` from './lib/Card.egh'".into(), import));

    // The required prop that `<Tag />` does not pass shows as an inlay hint.
    let range = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 10, "character": 0 } });
    let hints = client.request("textDocument/inlayHint", json!({ "textDocument": { "uri": page_uri }, "range": range }));
    let hints: Vec<(u64, u64, &str)> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (h["position"]["line"].as_u64().unwrap(), h["position"]["character"].as_u64().unwrap(), h["label"].as_str().unwrap())
        })
        .collect();
    assert_eq!(hints, [(7, 6, " label: string")]);
    client.shut_down();
}

#[test]
fn type_definitions_in_the_script_in_modules_and_components() {
    let profile = "<script lang=\"ts\">\n  import type { User } from './types';\n  import Badge from './lib/Badge.egh';\n  interface Local { id: number }\n  export let user: User;\n  let items: Local[] = [];\n  let badge = Badge;\n</script>\n<template><p>{user.name} {items.length}</p><Badge /></template>\n";
    let types = "export interface User {\n  name: string;\n}\n";
    let (_dir, root) =
        project(&[("src/Profile.egh", profile), ("src/types.ts", types), ("src/lib/Badge.egh", BADGE), ("src/Icon.egh", ICON)]);
    let profile_uri = uri(&root.join("src/Profile.egh"));
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    let mut type_definition = |line: u64, character: u64| {
        let at = json!({ "textDocument": { "uri": profile_uri }, "position": { "line": line, "character": character } });
        let location = client.request("textDocument/typeDefinition", at);
        (location["uri"].as_str().unwrap_or("").to_string(), location["range"]["start"].clone())
    };
    let at = |line: u64, character: u64| json!({ "line": line, "character": character });
    // A prop typed by an imported interface, from its declaration and from the template.
    assert_eq!(type_definition(4, 14), (uri(&root.join("src/types.ts")), at(0, 17)));
    assert_eq!(type_definition(8, 15), (uri(&root.join("src/types.ts")), at(0, 17)));
    // An array of a local interface, and a name bound to a component.
    assert_eq!(type_definition(5, 7), (profile_uri.clone(), at(3, 12)));
    assert_eq!(type_definition(6, 15), (uri(&root.join("src/lib/Badge.egh")), at(0, 0)));
    // Definition on a component tag opens the component.
    let tag = client.request("textDocument/definition", json!({ "textDocument": { "uri": profile_uri }, "position": at(8, 46) }));
    assert_eq!((&tag["uri"], &tag["range"]["start"]), (&json!(uri(&root.join("src/lib/Badge.egh"))), &at(0, 0)));
    client.shut_down();
}

#[test]
fn import_cycles_follow_the_first_diagnostics() {
    let a = "<script lang=\"ts\">\n  import B from './B.egh';\n</script>\n<template><B /></template>\n";
    let b = "<script lang=\"ts\">\n  import A from './A.egh';\n</script>\n<template><A /></template>\n";
    let (_dir, root) = project(&[("src/A.egh", a), ("src/B.egh", b)]);
    let a_uri = uri(&root.join("src/A.egh"));
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    client.open(&a_uri, a);
    // The component's own diagnostics come first; the cycle, which needs the whole import
    // graph, follows in a second publication.
    let with_cycle = client.notification_where("textDocument/publishDiagnostics", |p| {
        p["uri"] == a_uri && p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    assert_eq!(codes(with_cycle["diagnostics"].as_array().unwrap()), ["E0502"]);
    client.shut_down();
}
