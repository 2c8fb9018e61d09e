//! End-to-end: views of one document: semantic tokens, selection ranges and formatting.

mod common;

use common::{Client, project, uri};
use serde_json::{Value, json};

const CARD: &str = "<script lang=\"ts\">\n  export let title: string = '';\n</script>\n<template><h2>{title}</h2></template>\n";
const APP: &str = "<script lang=\"ts\">\n  import Card from './Card.egh';\n  let n: number = 0;\n  $: double = n * 2;\n</script>\n<template><p>You have {#if n}some{:else}none{/if} items.</p>\n<Card title=\"x\" />    <button @click=\"n++\">{double}</button>\n</template>\n";

#[test]
fn semantic_tokens_selection_ranges_and_formatting() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Card.egh", CARD)]);
    let app = uri(&root.join("src/App.egh"));
    let mut client = Client::start();
    let init = client.initialize(&root, json!({}));
    let legend = &init["capabilities"]["semanticTokensProvider"]["legend"];
    let types: Vec<&str> = legend["tokenTypes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    let modifiers: Vec<&str> = legend["tokenModifiers"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();

    // Decoded tokens as `line:column text type [modifiers]`.
    let tokens = client.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": app } }));
    let data: Vec<u64> = tokens["data"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    let lines: Vec<&str> = APP.lines().collect();
    let (mut line, mut column) = (0, 0);
    let mut decoded = Vec::new();
    for token in data.chunks(5) {
        line += token[0];
        column = if token[0] == 0 { column + token[1] } else { token[1] };
        let text = &lines[line as usize][column as usize..(column + token[2]) as usize];
        let mods: Vec<&str> = (0..modifiers.len()).filter(|i| token[4] & (1 << i) != 0).map(|i| modifiers[i]).collect();
        decoded.push(format!("{line}:{column} {text} {} {mods:?}", types[token[3] as usize]));
    }
    for expected in [
        "1:9 Card component [\"declaration\", \"readonly\"]",
        "3:5 double variable [\"declaration\", \"reactive\"]",
        "2:6 n variable [\"declaration\", \"reactive\"]",
        "6:1 Card component []",
        "6:6 title property []",
        "6:30 @ decorator []",
        "6:31 click event []",
        "6:44 double variable [\"reactive\"]",
    ] {
        assert!(decoded.iter().any(|d| d == expected), "{expected} not in {decoded:#?}");
    }

    // Expanding the selection from `n` in `{#if n}`: the name, the block, the paragraph, the
    // template section, the file; each range holds the one before.
    let ranges = client.request(
        "textDocument/selectionRange",
        json!({ "textDocument": { "uri": app }, "positions": [{ "line": 5, "character": 28 }] }),
    );
    let mut chain = Vec::new();
    let mut range = &ranges[0];
    while !range.is_null() {
        let (start, end) = (&range["range"]["start"], &range["range"]["end"]);
        chain.push((
            start["line"].as_u64().unwrap(),
            start["character"].as_u64().unwrap(),
            end["line"].as_u64().unwrap(),
            end["character"].as_u64().unwrap(),
        ));
        range = &range["parent"];
    }
    assert_eq!(chain.first(), Some(&(5, 27, 5, 28)), "{chain:?}");
    assert!(
        chain.windows(2).all(|w| (w[1].0, w[1].1) <= (w[0].0, w[0].1) && (w[0].2, w[0].3) <= (w[1].2, w[1].3) && w[0] != w[1]),
        "{chain:?}"
    );
    assert!(chain.len() >= 4, "{chain:?}");

    // Formatting: one edit over the whole document; a formatted file needs none.
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": app }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    let formatted = edits[0]["newText"].as_str().unwrap().to_string();
    assert!(
        formatted
            .contains("\n<template>\n  <p>You have {#if n}some{:else}none{/if} items.</p>\n  <Card title=\"x\" />\n  <button"),
        "{formatted}"
    );
    let change = json!({ "textDocument": { "uri": app, "version": 2 }, "contentChanges": [{ "text": formatted }] });
    client.open(&app, APP);
    client.notify("textDocument/didChange", change);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": app }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits, json!([]));
    // A file with syntax errors is left alone.
    let broken =
        json!({ "textDocument": { "uri": app, "version": 3 }, "contentChanges": [{ "text": "<template><p>{</template>" }] });
    client.notify("textDocument/didChange", broken);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": app }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits, Value::Null);
    client.shut_down();
}
