//! The compiler on any text: no panic, no overflow, no hang; spans inside the input; and
//! whatever compiles without errors is a module that parses, with a stylesheet that scopes
//! again without errors (no invalid output).
#![no_main]

use eghact_codegen::{CompileOptions, compile, css};
use libfuzzer_sys::fuzz_target;
use oxc::allocator::Allocator;
use oxc::parser::Parser;
use oxc::span::SourceType;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let output = compile("src/Fuzz.egh", &source, &CompileOptions::default());
    for diagnostic in &output.diagnostics {
        assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end as usize <= source.len());
    }
    if output.has_errors() {
        return;
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, &output.js, SourceType::mjs()).parse();
    assert!(parsed.diagnostics.is_empty() && !parsed.panicked, "the module does not parse: {:?}\n{}", parsed.diagnostics, output.js);
    let again = css::scope_css(&output.css, 0, "egh-fuzz", &Default::default());
    assert!(!again.diagnostics.iter().any(|d| d.is_error()), "the stylesheet does not scope again: {:?}\n{}", again.diagnostics, output.css);
});
