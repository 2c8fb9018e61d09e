//! The style scoper on any text: no panic, no hang; spans inside the input; its output is
//! well-formed CSS (scoping it again reports no errors).
#![no_main]

use eghact_codegen::css;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let scoped = css::scope_css(&source, 0, "egh-fuzz", &Default::default());
    for diagnostic in &scoped.diagnostics {
        assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end as usize <= source.len());
    }
    let again = css::scope_css(&scoped.code, 0, "egh-fuzz", &Default::default());
    assert!(!again.diagnostics.iter().any(|d| d.is_error()), "{:?}\n{}", again.diagnostics, scoped.code);
});
