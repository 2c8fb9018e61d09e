//! `docs/diagnostics.md` documents every diagnostic code the engine emits, and its examples
//! are true: each section's **Wrong** snippet produces its code (and no other error or
//! warning, unless the section lists it), and its **Right** snippet produces no error or
//! warning. A section may hold several Wrong/Right pairs.
//!
//! Snippets run through the salsa database as a build checks them, so project codes (imports,
//! props, cycles) work; route codes come from the route manifest of the snippet's files.
//! A snippet is `src/App.egh`, or several files each started by a `//- src/Path.egh` line (the
//! first file is the one checked for the section's code).
//!
//! Section markers (HTML comments, invisible in the rendered page):
//! - `<!-- also: E0110, E0103 -->`: other codes the Wrong snippet is known to produce.
//! - `<!-- generated: reason -->`: the Wrong snippet is a sketch; the test builds the real
//!   input (see [`generated_wrong`]).
//! - `<!-- not-triggerable: reason -->`: no `.egh` input produces the code; no check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod common;

use common::{check_snippet, snippet_files};
use eghact_syntax::diagnostics::{Diagnostic, Severity};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn doc_text() -> String {
    let path = repo_root().join("docs/diagnostics.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// ---- codes in the engine's source ----

/// The crates that report diagnostics on components and projects.
const ENGINE_CRATES: [&str; 7] = ["syntax", "semantics", "codegen", "analysis", "ide", "builder", "bundle"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("readable source folder").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// String literals `"E0101"`, `"W0201"`, `"H0001"` in `text`.
fn code_literals(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut codes = Vec::new();
    for i in 0..b.len().saturating_sub(6) {
        if b[i] == b'"'
            && matches!(b[i + 1], b'E' | b'W' | b'H')
            && b[i + 2..i + 6].iter().all(u8::is_ascii_digit)
            && b[i + 6] == b'"'
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
        {
            codes.push(text[i + 1..i + 6].to_string());
        }
    }
    codes
}

/// Every code literal in the engine's crates (`ENGINE_CRATES`), outside `#[cfg(test)]` modules (unit tests make up
/// codes such as `E0001` to test the renderer).
fn emitted_codes() -> BTreeMap<String, Vec<String>> {
    let crates = repo_root().join("crates");
    let mut files = Vec::new();
    for name in ENGINE_CRATES {
        rust_files(&crates.join(name).join("src"), &mut files);
    }
    let mut codes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(at) => &text[..at],
            None => &text[..],
        };
        let name = file.strip_prefix(&crates).unwrap().display().to_string();
        for code in code_literals(text) {
            let places = codes.entry(code).or_default();
            if !places.contains(&name) {
                places.push(name.clone());
            }
        }
    }
    codes
}

// ---- the doc ----

#[derive(Debug)]
struct Section {
    code: String,
    line: usize,
    /// The ```html blocks after each `**Wrong**` and each `**Right**` line, in order.
    wrong: Vec<String>,
    right: Vec<String>,
    also: Vec<String>,
    generated: bool,
    not_triggerable: bool,
}

/// The text of the first ```html block after each line that starts with `marker`.
fn blocks_after(lines: &[&str], marker: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    for at in (0..lines.len()).filter(|&i| lines[i].trim_start().starts_with(marker)) {
        let Some(open) = lines[at + 1..].iter().position(|l| l.trim() == "```html").map(|p| at + 1 + p) else { continue };
        let Some(close) = lines[open + 1..].iter().position(|l| l.trim() == "```").map(|p| open + 1 + p) else { continue };
        let mut text = lines[open + 1..close].join("\n");
        text.push('\n');
        blocks.push(text);
    }
    blocks
}

/// The words of `<!-- name: words -->` in the section, if present.
fn marker<'a>(lines: &[&'a str], name: &str) -> Option<&'a str> {
    let prefix = format!("<!-- {name}:");
    lines.iter().find_map(|l| l.trim().strip_prefix(prefix.as_str()).and_then(|r| r.strip_suffix("-->")).map(str::trim))
}

fn sections(doc: &str) -> Vec<Section> {
    let lines: Vec<&str> = doc.lines().collect();
    let starts: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("## ")).collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(lines.len());
            let body = &lines[start + 1..end];
            let heading = &lines[start][3..];
            let code = heading.split(':').next().unwrap_or("").trim().to_string();
            Section {
                code,
                line: start + 1,
                wrong: blocks_after(body, "**Wrong**"),
                right: blocks_after(body, "**Right**"),
                also: marker(body, "also")
                    .map(|list| list.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect())
                    .unwrap_or_default(),
                generated: marker(body, "generated").is_some(),
                not_triggerable: marker(body, "not-triggerable").is_some(),
            }
        })
        .collect()
}

// ---- running snippets through the engine ----

/// Inputs too large to print in the doc, for sections marked `<!-- generated: … -->`.
fn generated_wrong(code: &str) -> Option<String> {
    match code {
        // Elements nested deeper than the parser's limit of 200.
        "E0121" => Some(format!("<template>\n{}{}\n</template>\n", "<div>".repeat(250), "</div>".repeat(250))),
        // Selector functions nested deeper than the CSS scoper's limit of 16.
        "E0313" => Some(format!(
            "<template>\n  <p class=\"a\">Hi</p>\n</template>\n<style>\n  {}.a{} {{ color: red; }}\n</style>\n",
            ":global(".repeat(20),
            ")".repeat(20)
        )),
        // A sum of 12,000 terms: deeper than the parser's bound of 1,000 on code.
        "E0122" => Some(format!("<script>\n  let a = 1;\n  let total = a{};\n</script>\n", " + a".repeat(12_000))),
        _ => None,
    }
}

fn describe(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| format!("{}: {}", d.code, d.message)).collect::<Vec<_>>().join("; ")
}

fn check_section(section: &Section, problems: &mut Vec<String>) {
    let at = format!("docs/diagnostics.md:{} ({})", section.line, section.code);
    if section.not_triggerable {
        return;
    }
    let wrong = if section.generated {
        match generated_wrong(&section.code) {
            Some(input) => vec![input],
            None => {
                problems.push(format!("{at}: marked `generated`, but the test has no generator for it"));
                return;
            }
        }
    } else {
        section.wrong.clone()
    };
    if wrong.is_empty() {
        problems.push(format!("{at}: no ```html block after **Wrong**"));
    }
    let mut found_anywhere: BTreeSet<String> = BTreeSet::new();
    for wrong in &wrong {
        let result = check_snippet(wrong);
        let Some((path, diagnostics)) = result.first() else {
            problems.push(format!("{at}: a Wrong snippet has no .egh file"));
            continue;
        };
        if !diagnostics.iter().any(|d| d.code == section.code.as_str()) {
            problems.push(format!(
                "{at}: the Wrong snippet ({path}) does not produce {}; it gives [{}]",
                section.code,
                describe(diagnostics)
            ));
        }
        let found: BTreeSet<String> =
            diagnostics.iter().filter(|d| d.severity != Severity::Hint).map(|d| d.code.to_string()).collect();
        let unexpected: Vec<&String> = found.iter().filter(|c| **c != section.code && !section.also.contains(c)).collect();
        if !unexpected.is_empty() && !section.generated {
            problems.push(format!(
                "{at}: the Wrong snippet also produces {unexpected:?}; list them in `<!-- also: … -->` or simplify it: [{}]",
                describe(diagnostics)
            ));
        }
        found_anywhere.extend(found);
    }
    for also in &section.also {
        if !found_anywhere.contains(also) {
            problems.push(format!("{at}: `also` lists {also}, which no Wrong snippet produces"));
        }
    }
    if section.right.is_empty() {
        problems.push(format!("{at}: no ```html block after **Right**"));
    }
    for right in &section.right {
        for (path, diagnostics) in check_snippet(right) {
            let bad: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| d.severity != Severity::Hint).collect();
            if !bad.is_empty() {
                problems.push(format!("{at}: the Right snippet ({path}) is not clean: [{}]", describe(&bad)));
            }
        }
    }
}

// ---- tests ----

#[test]
fn the_scan_finds_code_literals_only() {
    let text = r#"Diagnostic::error("E0101", "x") warning("W0201") x"E01011" "E010" hint("H0001") // E0102 "#;
    assert_eq!(code_literals(text), ["E0101", "W0201", "H0001"]);
}

#[test]
fn every_emitted_code_is_documented_and_nothing_else() {
    let emitted = emitted_codes();
    assert!(emitted.len() > 20, "the scan of the engine's crates found only {emitted:?}");
    let doc = doc_text();
    let sections = sections(&doc);
    let documented: Vec<&str> = sections.iter().map(|s| s.code.as_str()).collect();
    let mut problems = Vec::new();
    for (code, places) in &emitted {
        if !documented.contains(&code.as_str()) {
            problems.push(format!("{code} (emitted in {}) has no `## {code}: …` section", places.join(", ")));
        }
    }
    for code in &documented {
        if !emitted.contains_key(*code) {
            problems.push(format!("`## {code}` documents a code the engine no longer emits"));
        }
    }
    let mut sorted = documented.clone();
    sorted.sort();
    sorted.dedup();
    if sorted != documented {
        problems.push(format!("sections must be sorted by code, each once: {documented:?}"));
    }
    assert!(problems.is_empty(), "docs/diagnostics.md is out of date:\n{}", problems.join("\n"));
}

#[test]
fn every_example_produces_what_it_claims() {
    let doc = doc_text();
    let mut problems = Vec::new();
    for section in sections(&doc) {
        check_section(&section, &mut problems);
    }
    assert!(problems.is_empty(), "{} problem(s) in docs/diagnostics.md:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn multi_file_snippets_split_on_path_lines() {
    let files = snippet_files("//- src/A.egh\n<template>a</template>\n//- src/B.egh\n<template>b</template>\n");
    assert_eq!(
        files,
        [
            ("src/A.egh".to_string(), "<template>a</template>\n".to_string()),
            ("src/B.egh".to_string(), "<template>b</template>\n".to_string())
        ]
    );
    assert_eq!(snippet_files("<template></template>\n")[0].0, "src/App.egh");
}
