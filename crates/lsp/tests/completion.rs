//! End-to-end: completion (tags, components with the import they need, a component's props
//! and events, element attributes and directives, event modifiers, block keywords, names and
//! members), hover (props' docs, component tags and their attributes, block keywords) and
//! signature help, through the real `eghact-lsp --stdio`.

mod common;

use common::{Client, project, uri};
use serde_json::{Value, json};

const BADGE: &str = "<script lang=\"ts\">
  /** How many to show. */
  export let count: number;
  export let tone: 'info' | 'warn' = 'info';
  /** The text beside the count. */
  export let label: string;
  const dispatch = createEventDispatcher<{ dismiss: null }>();
</script>
<template><span class={tone}>{label}: {count}</span></template>
";
const CARD: &str = "<template><div class=\"card\"><slot /></div></template>\n";

/// A server on a project of `files`, with `path` open (and checked once).
fn open(files: &[(&str, &str)], path: &str) -> (tempfile::TempDir, Client, String) {
    let (dir, root) = project(files);
    let mut client = Client::start();
    client.initialize(&root, json!({ "general": { "positionEncodings": ["utf-16"] } }));
    let document = uri(&root.join(path));
    let text = files.iter().find(|(p, _)| *p == path).map(|(_, text)| *text).expect("the open file is in the project");
    client.open(&document, text);
    client.diagnostics_for(&document);
    (dir, client, document)
}

/// The position right after the first `needle` of `text` (ASCII).
fn after(text: &str, needle: &str) -> Value {
    let end = text.find(needle).unwrap_or_else(|| panic!("{needle:?} in {text}")) + needle.len();
    let line = text[..end].matches('\n').count();
    let character = end - text[..end].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": character })
}

fn at(document: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": document }, "position": position })
}

fn labels(items: &Value) -> Vec<&str> {
    items.as_array().map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect()).unwrap_or_default()
}

fn item<'v>(items: &'v Value, label: &str) -> &'v Value {
    items.as_array().and_then(|items| items.iter().find(|i| i["label"] == label)).unwrap_or_else(|| panic!("{label} in {items}"))
}

/// `text` with an LSP `TextEdit` applied (single-line ranges, ASCII).
fn apply(text: &str, edit: &Value) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + position["character"].as_u64().unwrap() as usize
    };
    let (start, end) = (offset(&edit["range"]["start"]), offset(&edit["range"]["end"]));
    format!("{}{}{}", &text[..start], edit["newText"].as_str().unwrap(), &text[end..])
}

#[test]
fn tags_offer_html_imported_components_and_workspace_components_with_their_import() {
    let app = "<script lang=\"ts\">\n  import Badge from './Badge.egh';\n</script>\n<template>\n  <\n</template>\n";
    let home = "<template>\n  <main><C</main>\n</template>\n";
    let files = [("src/App.egh", app), ("src/Badge.egh", BADGE), ("src/lib/Card.egh", CARD), ("src/pages/Home.egh", home)];
    let (_dir, mut client, document) = open(&files, "src/App.egh");

    let items = client.request("textDocument/completion", at(&document, after(app, "  <")));
    let names = labels(&items);
    assert_eq!(names[..3], ["Badge", "Card", "Home"], "imported first, then the workspace's: {names:?}");
    assert!(names.contains(&"div") && names.contains(&"input"), "{names:?}");
    let badge = item(&items, "Badge");
    assert_eq!(badge["detail"], "src/Badge.egh");
    assert!(badge.get("additionalTextEdits").is_none(), "imported already: {badge}");
    let card = item(&items, "Card");
    assert_eq!(card["kind"], 7, "a class");
    assert_eq!(card["detail"], "src/lib/Card.egh (adds an import)");
    let imported = apply(app, &card["additionalTextEdits"][0]);
    assert_eq!(
        imported,
        "<script lang=\"ts\">\n  import Badge from './Badge.egh';\n  import Card from './lib/Card.egh';\n</script>\n<template>\n  <\n</template>\n"
    );
    assert_eq!(card["textEdit"]["range"]["start"], after(app, "  <"), "it inserts at the cursor");
    assert!(card["sortText"].as_str() < item(&items, "div")["sortText"].as_str(), "components sort before tags");

    // A file without a script gets one, and the path goes up from its folder.
    let home_uri = document.replace("src/App.egh", "src/pages/Home.egh");
    client.open(&home_uri, home);
    client.diagnostics_for(&home_uri);
    let items = client.request("textDocument/completion", at(&home_uri, after(home, "<C")));
    let card = item(&items, "Card");
    assert_eq!(card["textEdit"]["range"]["start"], after(home, "<main><"), "it replaces the typed `C`");
    assert_eq!(
        apply(home, &card["additionalTextEdits"][0]),
        format!("<script lang=\"ts\">\n  import Card from '../lib/Card.egh';\n</script>\n\n{home}")
    );
    assert!(!labels(&items).contains(&"Home"), "not the file itself");
    client.shut_down();
}

#[test]
fn attributes_are_a_component_s_props_and_events_or_an_element_s_attributes() {
    let app = "<script lang=\"ts\">\n  import Badge from './Badge.egh';\n</script>\n<template>\n  <Badge tone=\"warn\" />\n  <input type=\"text\" />\n  <a >x</a>\n  <Badge @ />\n</template>\n";
    let (_dir, mut client, document) = open(&[("src/App.egh", app), ("src/Badge.egh", BADGE)], "src/App.egh");

    let props = client.request("textDocument/completion", at(&document, after(app, "tone=\"warn\" ")));
    assert_eq!(labels(&props), ["count", "label", "@dismiss", "bind:"], "required first; `tone` is passed already");
    let count = item(&props, "count");
    assert_eq!(count["detail"], "number, required");
    assert_eq!(count["documentation"], json!({ "kind": "markdown", "value": "How many to show." }));
    assert_eq!(count["kind"], 5, "a field");
    assert!(count["sortText"].as_str() < item(&props, "label")["sortText"].as_str());
    assert_eq!(item(&props, "@dismiss")["detail"], "CustomEvent<null>");

    let events = client.request("textDocument/completion", at(&document, after(app, "<Badge @")));
    assert_eq!(labels(&events), ["dismiss"]);

    let input = client.request("textDocument/completion", at(&document, after(app, "type=\"text\" ")));
    let names = labels(&input);
    assert_eq!(names[..5], ["value", "placeholder", "checked", "disabled", "name"], "{names:?}");
    for expected in ["class", "id", "bind:", "class:", "style:", "@click", "@input", "@keydown"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(!names.contains(&"type") && !names.contains(&"use:"), "passed already; `use:` is not supported: {names:?}");
    assert_eq!(item(&input, "@click")["detail"], "MouseEvent");

    let anchor = client.request("textDocument/completion", at(&document, after(app, "<a ")));
    assert_eq!(labels(&anchor)[..2], ["href", "target"]);
    client.shut_down();
}

#[test]
fn modifiers_after_an_event_s_dot_and_key_filters_on_key_events() {
    let app = "<template>\n  <button @click.>go</button>\n  <input @keydown.stop.en />\n</template>\n";
    let (_dir, mut client, document) = open(&[("src/App.egh", app)], "src/App.egh");
    let click = client.request("textDocument/completion", at(&document, after(app, "@click.")));
    assert_eq!(
        labels(&click),
        ["prevent", "stop", "stopImmediate", "once", "capture", "self", "passive", "nonpassive", "trusted"]
    );
    let keydown = client.request("textDocument/completion", at(&document, after(app, "@keydown.stop.en")));
    let names = labels(&keydown);
    assert!(names.contains(&"enter") && names.contains(&"escape") && names.contains(&"prevent"), "{names:?}");
    assert_eq!(item(&keydown, "enter")["detail"], "key filter");
    assert_eq!(item(&keydown, "enter")["textEdit"]["range"]["start"], after(app, "@keydown.stop."), "replaces `en`");
    client.shut_down();
}

#[test]
fn block_keywords_follow_the_open_blocks_and_code_completes_names_and_members() {
    let app = "<script lang=\"ts\">\n  let items = [{ name: 'a', done: false }];\n</script>\n<template>\n  {#}\n  {#each items as item}\n    {#if item.done}{:}{/if}\n    {/}\n  {/each}\n  {@}\n</template>\n";
    let (_dir, mut client, document) = open(&[("src/App.egh", app)], "src/App.egh");
    let complete =
        |client: &mut Client, needle: &str| client.request("textDocument/completion", at(&document, after(app, needle)));

    let open = complete(&mut client, "{#");
    assert_eq!(labels(&open), ["if", "each", "await"]);
    assert!(item(&open, "each")["documentation"]["value"].as_str().is_some_and(|d| d.starts_with("`{#each list as item")));
    assert_eq!(labels(&complete(&mut client, "{#if item.done}{:")), ["else", "else if"]);
    assert_eq!(labels(&complete(&mut client, "{/if}\n    {/")), ["each"], "only the innermost open block");
    assert_eq!(labels(&complete(&mut client, "{@")), ["html"]);

    // In code: names in scope (innermost first) and members.
    let names = complete(&mut client, "{#if it");
    assert_eq!(labels(&names)[..2], ["item", "items"]);
    assert_eq!(item(&names, "items")["detail"], "{ name: string; done: boolean }[]");
    assert!(names[0].get("textEdit").is_none(), "the client's word applies in code");
    let members = complete(&mut client, "{#if item.");
    assert_eq!(labels(&members), ["name", "done"]);
    client.shut_down();
}

#[test]
fn hover_shows_props_docs_component_contracts_and_block_syntax() {
    let app = "<script lang=\"ts\">\n  import Badge from './Badge.egh';\n  /** The total so far. */\n  export let total = 0;\n</script>\n<template>\n  {#each [1] as n}\n    <Badge count={total} label=\"n\" />\n  {/each}\n</template>\n";
    let (_dir, mut client, document) = open(&[("src/App.egh", app), ("src/Badge.egh", BADGE)], "src/App.egh");
    let hover = |client: &mut Client, needle: &str| {
        let hover = client.request("textDocument/hover", at(&document, after(app, needle)));
        hover["contents"]["value"].as_str().unwrap_or_else(|| panic!("a hover at {needle:?}: {hover}")).to_string()
    };
    assert_eq!(hover(&mut client, "export let to"), "```ts\n(prop) total: number\n```\nThe total so far.\n\ndefault 0");
    assert_eq!(hover(&mut client, "count={to"), hover(&mut client, "export let to"), "a use says what the declaration says");
    assert_eq!(hover(&mut client, "<Badge cou"), "```ts\n(prop) count: number\n```\nHow many to show.\n\nrequired");
    let tag = hover(&mut client, "<Bad");
    assert!(
        tag.starts_with("```ts\n<Badge>\n```\n`src/Badge.egh`\n\n**Props**\n- `count: number` (required): How many to show.\n- `tone: 'info' | 'warn'` (default 'info')\n- `label: string` (required): The text beside the count.\n"),
        "{tag}"
    );
    assert!(tag.contains("**Events**: `dismiss`"), "{tag}");
    let each = client.request("textDocument/hover", at(&document, after(app, "{#ea")));
    assert!(each["contents"]["value"].as_str().is_some_and(|v| v.starts_with("`{#each list as item, index (key)}")), "{each}");
    assert_eq!(each["range"], json!({ "start": after(app, "<template>\n  "), "end": after(app, "{#each") }));
    client.shut_down();
}

#[test]
fn signature_help_gives_the_parameters_and_the_active_one() {
    let app = "<script lang=\"ts\">\n  function pad(text: string, width: number): string { return text; }\n  let name = 'a';\n</script>\n<template>\n  <p>{pad(name, 4)}</p>\n</template>\n";
    // A call being typed in the script: its `)` is not there yet.
    let typing = app.replace("  let name = 'a';\n", "  let name = 'a';\n  pad(\n");
    let (_dir, root) = project(&[("src/App.egh", app), ("src/Typing.egh", &typing)]);
    let mut client = Client::start();
    let init = client.initialize(&root, json!({}));
    assert_eq!(init["capabilities"]["signatureHelpProvider"]["triggerCharacters"], json!(["(", ","]));
    let (document, typing_document) = (uri(&root.join("src/App.egh")), uri(&root.join("src/Typing.egh")));
    for (document, text) in [(&document, app), (&typing_document, typing.as_str())] {
        client.open(document, text);
        client.diagnostics_for(document);
    }

    let help = client.request("textDocument/signatureHelp", at(&document, after(app, "{pad(name, ")));
    let signature = &help["signatures"][0];
    assert_eq!(signature["label"], "pad(text: string, width: number): string");
    assert_eq!(signature["parameters"], json!([{ "label": [4, 16] }, { "label": [18, 31] }]));
    assert_eq!(help["activeParameter"], 1);
    let first = client.request("textDocument/signatureHelp", at(&document, after(app, "{pad(na")));
    assert_eq!(first["activeParameter"], 0);
    let outside = client.request("textDocument/signatureHelp", at(&document, after(app, "<p>")));
    assert_eq!(outside, Value::Null);

    let typed = client.request("textDocument/signatureHelp", at(&typing_document, after(&typing, "  pad(")));
    assert_eq!(typed["signatures"][0]["label"], "pad(text: string, width: number): string");
    assert_eq!(typed["activeParameter"], 0);
    client.shut_down();
}
