//! Bounded fuzzing in CI: random bytes and mutations of the fixtures never panic the
//! parser, the compiler or the editor features, every span they give lies inside the input,
//! and whatever the formatter accepts it formats idempotently without changing the module.

mod common;

use std::fs;
use std::path::Path;

use eghact_codegen::CompileOptions;
use eghact_codegen::compile;
use eghact_ide::format;
use eghact_ide::{completion, hover};
use eghact_semantics::types;
use eghact_syntax as syntax;
use proptest::prelude::*;

fn corpus() -> Vec<String> {
    let mut corpus = Vec::new();
    // The single-file fixtures of the crates that own them.
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for folder in [
        "syntax/tests/fixtures/parse",
        "codegen/tests/fixtures/compile",
        "ide/tests/fixtures/format",
        "ide/tests/fixtures/tokens",
    ] {
        let files = eghact_test_support::fixture_files(&crates.join(folder));
        assert!(!files.is_empty(), "no fixtures in {folder}");
        corpus.extend(files.iter().map(|path| fs::read_to_string(path).unwrap()));
    }
    corpus.sort();
    corpus
}

fn check(source: &str, cursor: usize) {
    let parse = syntax::parse(source);
    for d in &parse.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end as usize <= source.len(), "span {:?} outside input", d.span);
    }
    let output = compile("src/Fuzz.egh", source, &CompileOptions::default());
    for d in &output.diagnostics {
        assert!(d.span.end as usize <= source.len(), "span {:?} outside input", d.span);
    }
    // Markup positions are cheap: many offsets, char boundaries or not; code positions parse
    // the program: one.
    for offset in (0..=source.len() as u32 + 1).step_by(5) {
        completion::markup_position(source, &parse.component, offset);
        hover::block_hover(source, &parse.component, offset);
        hover::component_part_at(source, &parse.component, offset);
    }
    types::signature_help(source, source.len() as u32 / 2);
    let tokens = types::semantic_tokens(source, &parse.component);
    for pair in tokens.windows(2) {
        assert!(pair[0].span.end <= pair[1].span.start, "tokens {pair:?} overlap");
    }
    for token in &tokens {
        assert!(source.get(token.span.start as usize..token.span.end as usize).is_some(), "token {token:?} outside input");
    }
    let ranges = eghact_ide::selection_ranges(source, &parse.component, (cursor % (source.len() + 1)) as u32);
    for pair in ranges.windows(2) {
        let (inner, outer) = (pair[0], pair[1]);
        assert!(outer.start <= inner.start && inner.end <= outer.end && inner != outer, "{inner:?} not inside {outer:?}");
    }
    if let Ok(formatted) = format::format(source, &parse) {
        let again = format::format(&formatted, &syntax::parse(&formatted));
        assert_eq!(again.as_ref(), Ok(&formatted), "formatting is not idempotent");
        assert_eq!(common::compiled_meaning(&formatted), common::compiled_meaning(source), "formatting changed the module");
    }
}

/// Replaces, inserts or deletes a slice of a corpus file at char boundaries.
fn mutate(base: &str, at: usize, len: usize, insert: &str) -> String {
    let mut start = at % (base.len() + 1);
    while !base.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + len).min(base.len());
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}{}", &base[..start], insert, &base[end..])
}

const TOKENS: &[&str] = &[
    "<",
    ">",
    "{",
    "}",
    "</template>",
    "<template>",
    "{#if x}",
    "{/if}",
    "{:else}",
    "{#each a as b}",
    "{/each}",
    "\"",
    "'",
    "`",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "@click=",
    "bind:value",
    "/>",
    "<!--",
    "-->",
    "{{",
    "}}",
    "$:",
    "export let",
    "é",
    "🙂",
    "\n",
    "{@html",
    "{#await p}",
    "{:then v}",
    "(",
    ")",
    "[",
    "]",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(source in "\\PC{0,300}", cursor in 0usize..400) {
        check(&source, cursor);
    }

    #[test]
    fn mutated_fixtures_never_panic(which in 0usize..64, at in 0usize..4096, len in 0usize..40, token in 0usize..TOKENS.len(), repeat in 1usize..4) {
        let corpus = corpus();
        let base = &corpus[which % corpus.len()];
        check(&mutate(base, at, len, &TOKENS[token].repeat(repeat)), at);
    }
}

#[test]
fn deep_nesting_is_bounded() {
    let source = format!("<template>{}</template>", "<div>{#if a}".repeat(5000));
    check(&source, 0);
}
