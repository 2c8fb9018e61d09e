//! The benchmark generator's projects compile without errors, in both flavours of output.

#[path = "../benches/generator/mod.rs"]
mod generator;

use eghact_engine::diagnostics::render;
use eghact_engine::{CompileOptions, compile};
use generator::{Flavor, generate};

#[test]
fn generated_components_compile_cleanly() {
    let files = generate(300, Flavor::Egh, 7);
    assert_eq!(files.len(), 300);
    for (path, source) in &files {
        let output = compile(path, source, &CompileOptions::default());
        assert!(!output.has_errors(), "{}", render(path, source, &output.diagnostics));
        assert!(output.js.contains("export default"), "{path}");
    }
}
