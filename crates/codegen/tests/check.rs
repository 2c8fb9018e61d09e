//! `check_parsed` (what editors and `eghact check` run) reports exactly what `compile_parsed`
//! reports, for every component in the repository, without generating code.

use std::path::Path;

use eghact_codegen::{CompileOptions, check_parsed, compile_parsed};
use eghact_syntax as syntax;

#[test]
fn check_reports_what_compile_reports_for_every_component() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for folder in ["crates", "examples", "tests"] {
        for entry in walkdir::WalkDir::new(root.join(folder)).sort_by_file_name() {
            let entry = entry.expect("a readable folder");
            if entry.path().extension().is_none_or(|e| e != "egh") || entry.path().components().any(|c| c.as_os_str() == "target")
            {
                continue;
            }
            let source = std::fs::read_to_string(entry.path()).expect("a readable component");
            let path = format!("src/{}", entry.file_name().to_string_lossy());
            let parse = syntax::parse(&source);
            let options = CompileOptions::default();
            let compiled = compile_parsed(&path, &source, &parse, &options).diagnostics;
            assert_eq!(check_parsed(&path, &source, &parse, &options), compiled, "{}", entry.path().display());
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} components found");
}
