//! Script modules end to end through the `eghact` binary (issue 16): a project whose component
//! imports a TypeScript module and a JavaScript store builds to an output folder a browser can
//! load (no TypeScript in it, every relative import names a file that is there), and a check
//! reports a missing package where it is imported.

use std::fs;

mod project;
use project::{eghact, project};

const APP: &str = "<script>\nimport { double } from './util';\nimport { count } from './stores.js';\n</script>\n<template><button @click={() => count.update((n) => n + 1)}>{double($count)}</button></template>\n";
const UTIL: &str = "import type { Count } from './lib/types';\nimport { clamp } from './lib/math';\n\nexport enum Step { One = 1, Two }\nexport function double(n: Count): number {\n  return clamp(n * Step.Two);\n}\n";
const STORES: &str = "import { writable } from 'eghact/store';\n\nexport const count = writable(0);\n";
const TYPES: &str = "export type Count = number;\n";
const MATH: &str = "export const clamp = (n: number): number => Math.min(n, 100);\n";

/// The import specifiers of a compiled module (`import … from "x"`, `export … from "x"`,
/// `import "x"`, `import("x")`), as the printer writes them (double quotes).
fn specifiers(js: &str) -> Vec<String> {
    let mut found = Vec::new();
    for opener in ["from \"", "import \"", "import(\""] {
        let mut rest = js;
        while let Some(at) = rest.find(opener) {
            rest = &rest[at + opener.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].to_string());
            }
        }
    }
    found
}

#[test]
fn a_project_with_modules_builds_to_javascript_whose_imports_all_resolve() {
    let dir = project(&[
        ("src/App.egh", APP),
        ("src/util.ts", UTIL),
        ("src/stores.js", STORES),
        ("src/lib/types.ts", TYPES),
        ("src/lib/math.ts", MATH),
        ("src/lib/globals.d.ts", "declare const VERSION: string;\n"),
    ]);
    let output = eghact(&["build"], dir.path());
    assert!(output.status.success(), "{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let dist = dir.path().join("dist");
    let files: Vec<_> =
        walkdir::WalkDir::new(&dist).into_iter().flatten().filter(|e| e.file_type().is_file()).map(|e| e.into_path()).collect();
    let names: Vec<String> = files.iter().map(|p| p.strip_prefix(&dist).unwrap().display().to_string()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".ts")), "{names:?}");
    for expected in ["App.js", "util.js", "util.js.map", "stores.js", "lib/math.js", "lib/types.js", "eghact-runtime.js"] {
        assert!(names.iter().any(|n| n == expected), "no {expected} in {names:?}");
    }
    let mut checked = 0;
    for js in files.iter().filter(|p| p.extension().is_some_and(|e| e == "js")) {
        let text = fs::read_to_string(js).unwrap();
        for specifier in specifiers(&text).into_iter().filter(|s| s.starts_with('.')) {
            let target = js.parent().unwrap().join(&specifier);
            assert!(target.is_file(), "{} imports `{specifier}`, which is not in dist/", js.display());
            checked += 1;
        }
    }
    // App → util, stores, runtime; util → lib/math; stores → runtime.
    assert!(checked >= 5, "only {checked} relative imports found");
    let util = fs::read_to_string(dist.join("util.js")).unwrap();
    assert!(!util.contains(": number") && !util.contains("import type") && util.contains("Step[Step[\"One\"] = 1]"), "{util}");
}

#[test]
fn check_reports_a_missing_package_at_its_import() {
    let dir = project(&[("src/dates.ts", "export const a = 1;\nimport { format } from 'date-fns';\nexport const b = format;\n")]);
    let output = eghact(&["check", "--json"], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0510", "{report}");
    assert_eq!(diagnostic["file"], "src/dates.ts");
    assert_eq!((diagnostic["line"].as_u64(), diagnostic["column"].as_u64()), (Some(2), Some(24)), "{report}");
    assert!(!dir.path().join("dist").exists());
}
