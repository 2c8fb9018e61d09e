//! The parser on any text: no panic, no overflow, no hang; every diagnostic's span lies
//! inside the input.
#![no_main]

use eghact_syntax as syntax;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let parse = syntax::parse(&source);
    for diagnostic in &parse.diagnostics {
        assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end as usize <= source.len());
    }
});
