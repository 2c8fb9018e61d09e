//! Properties of the formatter over every component the repository has (the crates' fixtures,
//! one file per `//- path` of a project fixture, the examples and the browser fixtures): it is
//! idempotent and the formatted file compiles to the same module as the original.

mod common;

use common::compiled_meaning as compiled;
use eghact_ide::format::{FormatError, format};
use eghact_syntax as syntax;

#[test]
fn formatting_is_idempotent_and_keeps_the_compiled_module() {
    let mut formatted_files = 0;
    for (name, source) in eghact_test_support::repository_components() {
        let parse = syntax::parse(&source);
        let formatted = match format(&source, &parse) {
            Ok(formatted) => formatted,
            Err(FormatError::Syntax(_) | FormatError::Script) => continue,
        };
        formatted_files += 1;
        let again =
            format(&formatted, &syntax::parse(&formatted)).unwrap_or_else(|e| panic!("{name}: formatted text refused: {e}"));
        assert_eq!(again, formatted, "{name}: formatting is not idempotent");
        assert_eq!(compiled(&formatted), compiled(&source), "{name}: formatting changed the compiled module\n{formatted}");
    }
    assert!(formatted_files >= 30, "only {formatted_files} components were formatted");
}

#[test]
fn files_with_syntax_errors_are_refused() {
    let broken = "<template><div>{#if a}<p>unclosed</div></template>";
    assert!(matches!(format(broken, &syntax::parse(broken)), Err(FormatError::Syntax(n)) if n > 0));
    let script = "<script>let = ;</script>\n<template><p>{a}</p></template>";
    assert_eq!(format(script, &syntax::parse(script)), Err(FormatError::Script));
}

/// The comparison above is not blind to whitespace that matters.
#[test]
fn the_meaning_comparison_sees_significant_whitespace() {
    let spaced = "<template><p><b>a</b> <i>b</i></p></template>";
    let glued = "<template><p><b>a</b><i>b</i></p></template>";
    assert_ne!(compiled(spaced), compiled(glued));
    let literal = "<script>\nlet s = `a\n    b`;\n</script>\n<template>{s}</template>";
    let shifted = "<script>\nlet s = `a\n  b`;\n</script>\n<template>{s}</template>";
    assert_ne!(compiled(literal), compiled(shifted));
    assert_eq!(format(literal, &syntax::parse(literal)).map(|f| compiled(&f)), Ok(compiled(literal)));
}

/// Inputs the fuzzer found: a closing tag without its `>` runs to the end of the file, and a
/// `/` before ` >` is an attribute, not a self-closing mark.
#[test]
fn odd_tags_keep_both_properties() {
    for source in
        ["<template><p>a</p></template>\n<style>\n.a { color: red; }\n</style\n\n", "<template><input a=b/ ></template>"]
    {
        let formatted = format(source, &syntax::parse(source)).expect("no syntax errors");
        assert_eq!(format(&formatted, &syntax::parse(&formatted)).as_ref(), Ok(&formatted), "{source:?}");
        assert_eq!(compiled(&formatted), compiled(source), "{source:?} became {formatted:?}");
    }
}
