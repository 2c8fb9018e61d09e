//! What the database tells an editor across files: completion of components (imported or
//! not yet) and of a child's props, hover of props and component tags, signature help.
//! Projects are written as one string (`//- path` starts a file); `|` marks the cursor in
//! `src/App.egh`.

mod common;

use eghact_analysis::db::Database;
use eghact_builder::Host;
use eghact_ide::completion::Completions;

/// The project of `snippet` with its cursor removed, and the cursor's offset in `src/App.egh`.
fn project(snippet: &str) -> (Host, u32) {
    let mut host = common::host(Database::default());
    let mut cursor = None;
    let files = common::snippet_files(snippet).into_iter().map(|(path, text)| {
        if path == "src/App.egh" {
            cursor = text.find('|').map(|i| i as u32);
        }
        let text = if path == "src/App.egh" { text.replacen('|', "", 1) } else { text };
        eghact_builder::FileChange::Write { path, text }
    });
    host.apply(files.collect::<Vec<_>>());
    (host, cursor.expect("a | cursor in src/App.egh"))
}

fn complete(snippet: &str) -> (Completions, String) {
    let (host, offset) = project(snippet);
    let app = host.file("src/App.egh").expect("src/App.egh");
    let completions = eghact_ide::completion::completions(host.db(), app, offset).expect("completions");
    (completions, app.text(host.db()).clone())
}

const CHILDREN: &str = "//- src/Badge.egh
<script lang=\"ts\">
  /** How many to show. */
  export let count: number;
  export let tone: 'info' | 'warn' = 'info';
  const dispatch = createEventDispatcher<{ dismiss: null }>();
</script>
<template><span>{count}</span></template>
//- src/lib/Card.egh
<template><div><slot /></div></template>
//- src/routes/index.egh
<template><p /></template>
";

#[test]
fn tags_offer_imported_components_then_the_workspace_s_with_their_import() {
    let (completions, text) = complete(&format!(
        "{CHILDREN}//- src/App.egh\n<script lang=\"ts\">\n  import Badge from './Badge.egh';\n</script>\n<template>\n  <|\n</template>\n"
    ));
    let components: Vec<(&str, Option<&str>)> = completions
        .items
        .iter()
        .take_while(|i| i.label.starts_with(char::is_uppercase))
        .map(|i| (i.label.as_str(), i.detail.as_deref()))
        .collect();
    assert_eq!(
        components,
        [("Badge", Some("src/Badge.egh")), ("Card", Some("src/lib/Card.egh (adds an import)"))],
        "routes and the file itself are no components to offer"
    );
    let card = &completions.items[1];
    let edit = card.edit.as_ref().expect("the import of Card");
    let mut edited = text.clone();
    edited.replace_range(edit.span.start as usize..edit.span.end as usize, &edit.text);
    assert!(edited.contains("  import Badge from './Badge.egh';\n  import Card from './lib/Card.egh';\n"), "{edited}");
    assert!(completions.items.iter().any(|i| i.label == "div"));
}

#[test]
fn component_attributes_are_its_props_and_events() {
    let (completions, _) = complete(&format!(
        "{CHILDREN}//- src/App.egh\n<script>import Badge from './Badge.egh';</script>\n<template><Badge |/></template>"
    ));
    let items: Vec<(&str, Option<&str>, Option<&str>)> =
        completions.items.iter().map(|i| (i.label.as_str(), i.detail.as_deref(), i.docs.as_deref())).collect();
    assert_eq!(
        items,
        [
            ("count", Some("number, required"), Some("How many to show.")),
            ("tone", Some("'info' | 'warn', default 'info'"), None),
            ("@dismiss", Some("CustomEvent<null>"), None),
            ("bind:", None, Some("`bind:name={variable}`: keeps the variable and the value in step, both ways.")),
        ]
    );
}

#[test]
fn hover_tells_a_prop_s_docs_and_a_component_s_contract() {
    let snippet = format!(
        "{CHILDREN}//- src/App.egh\n<script lang=\"ts\">\n  import Badge from './Badge.egh';\n  /** The total. */\n  export let total = 0;\n</script>\n<template><Badge count={{to|tal}} /></template>"
    );
    let (host, offset) = project(&snippet);
    let app = host.file("src/App.egh").unwrap();
    let text = app.text(host.db());
    let hover = eghact_ide::hover::hover(host.db(), app, offset).unwrap();
    assert_eq!(hover.markdown, "```ts\n(prop) total: number\n```\nThe total.\n\ndefault 0");
    let badge = eghact_ide::hover::hover(host.db(), app, text.find("Badge count").unwrap() as u32 + 2).unwrap();
    assert!(
        badge
            .markdown
            .starts_with("```ts\n<Badge>\n```\n`src/Badge.egh`\n\n**Props**\n- `count: number` (required): How many to show.\n"),
        "{}",
        badge.markdown
    );
    let count = eghact_ide::hover::hover(host.db(), app, text.find("count=").unwrap() as u32).unwrap();
    assert_eq!(count.markdown, "```ts\n(prop) count: number\n```\nHow many to show.\n\nrequired");
    let declaration = eghact_ide::hover::hover(host.db(), app, text.find("total =").unwrap() as u32).unwrap();
    assert_eq!(declaration.markdown, hover.markdown, "the declaration and a use say the same");
}

#[test]
fn signature_help_of_a_script_function_in_the_template() {
    let (host, offset) = project(
        "<script lang=\"ts\">\n  function pad(text: string, width: number) { return text; }\n</script>\n<template>{pad('a', |)}</template>",
    );
    let app = host.file("src/App.egh").unwrap();
    let help = eghact_ide::names::signature_help(host.db(), app, offset).unwrap();
    assert_eq!((help.label.as_str(), help.active), ("pad(text: string, width: number)", Some(1)));
}
