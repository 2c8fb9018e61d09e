//! Deeply nested code never overflows a stack: code deeper than the parser's bound is E0122
//! (in the script, in template expressions and in TypeScript types), and code just under the
//! bound goes through every stage, on a test thread's small stack. Inputs are generated here.

mod common;

use eghact_analysis::db;
use eghact_syntax::nesting::MAX_NESTING;

/// Components whose code nests far deeper than the bound (the cases of issue 14).
fn deep_components() -> Vec<(&'static str, String)> {
    let sum = format!("a{}", "+a".repeat(12_000));
    let parens = format!("{}a{}", "(".repeat(8_000), ")".repeat(8_000));
    let arrays = format!("{}a{}", "[".repeat(8_000), "]".repeat(8_000));
    let generics = format!("{}number{}", "A<".repeat(8_000), ">".repeat(8_000));
    let templates = format!("{}a{}", "`${".repeat(8_000), "}`".repeat(8_000));
    vec![
        ("sum in the script", format!("<script>\nlet a = 1;\nlet b = {sum};\n</script>\n<template><p>{{b}}</p></template>\n")),
        ("sum in the template", format!("<script>\nlet a = 1;\n</script>\n<template><p>{{{sum}}}</p></template>\n")),
        ("brackets in the script", format!("<script>\nlet a = 1;\nlet b = {parens};\n</script>\n")),
        ("brackets in the template", format!("<script>\nlet a = 1;\n</script>\n<template><p>{{{parens}}}</p></template>\n")),
        ("arrays in an attribute", format!("<script>\nlet a = 1;\n</script>\n<template><p title={{{arrays}}}></p></template>\n")),
        ("generic types", format!("<script lang=\"ts\">\ntype A<T> = T;\nlet b: {generics} = 1;\n</script>\n")),
        (
            "generic types in the template",
            format!(
                "<script lang=\"ts\">\ntype A<T> = T;\nlet b = 1;\n</script>\n<template><p>{{b as {generics}}}</p></template>\n"
            ),
        ),
        ("template literals", format!("<script>\nlet a = 1;\n</script>\n<template><p>{{{templates}}}</p></template>\n")),
    ]
}

#[test]
fn code_nested_too_deep_is_e0122_in_every_stage() {
    for (case, source) in deep_components() {
        let diagnostics = &common::check_snippet(&source)[0].1;
        assert!(diagnostics.iter().any(|d| d.code == "E0122"), "{case}: {diagnostics:?}");
        let compiled = eghact_codegen::compile("App.egh", &source, &Default::default());
        assert!(compiled.js.is_empty() && compiled.diagnostics.iter().any(|d| d.code == "E0122"), "{case}");
        // What an editor asks of the file reads the same tree.
        let mut host = common::host(db::Database::default());
        host.apply(common::writes(&source));
        let file = host.file("src/App.egh").expect("written");
        let _ = eghact_ide::names::semantic_tokens(host.db(), file);
        let _ = eghact_ide::hover::hover(host.db(), file, source.len() as u32 / 2);
    }
}

#[test]
fn code_just_under_the_bound_compiles_on_a_small_stack() {
    let depth = MAX_NESTING - 20;
    let parens = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
    let nots = format!("{}a", "!".repeat(depth));
    let generics = format!("{}number{}", "A<".repeat(depth / 2), ">".repeat(depth / 2));
    let sources = [
        format!("<script>\nlet a = 1;\nlet b = {parens};\n</script>\n<template><p>{{{parens}}}</p></template>\n"),
        format!("<script>\nlet a = 1;\nlet b = {nots};\n</script>\n<template><p>{{{nots}}}</p></template>\n"),
        format!("<script lang=\"ts\">\ntype A<T> = T;\nlet b: {generics} = 1;\n</script>\n<template><p>{{b}}</p></template>\n"),
    ];
    // A thread as small as rayon's and the test harness's: the engine grows its own stack.
    let run = move || {
        for source in &sources {
            let diagnostics = &common::check_snippet(source)[0].1;
            assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
            let compiled = eghact_codegen::compile("App.egh", source, &Default::default());
            assert!(!compiled.js.is_empty(), "{:?}", compiled.diagnostics);
        }
    };
    std::thread::Builder::new().stack_size(2 << 20).spawn(run).expect("thread").join().expect("no panic");
}
