//! `check_parsed` (what editors and `eghact check` run) reports exactly what `compile_parsed`
//! reports, for every component in the repository, without generating code.

use eghact_codegen::{CompileOptions, check_parsed, compile_parsed};
use eghact_syntax as syntax;

#[test]
fn check_reports_what_compile_reports_for_every_component() {
    let components = eghact_test_support::repository_components();
    assert!(components.len() > 40, "only {} components found", components.len());
    for (name, source) in components {
        let path = "src/Component.egh";
        let parse = syntax::parse(&source);
        let options = CompileOptions::default();
        let compiled = compile_parsed(path, &source, &parse, &options).diagnostics;
        assert_eq!(check_parsed(path, &source, &parse, &options), compiled, "{name}");
    }
}
