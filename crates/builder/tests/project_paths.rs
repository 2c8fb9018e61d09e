//! A project's paths stay inside the project (issue 14, items 1, 2 and 17): the places
//! `eghact.toml` and the user name, links in the sources, a planted build record, output-name
//! collisions, file names that are not UTF-8 and the permissions of copies.
//!
//! The configuration cases are data: `fixtures/project_paths.txt` (its header says how to
//! read it). Every case runs in temporary folders only, with "secret" files beside the project.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use eghact_builder::project::{Project, ProjectError, UserPlaces};
use eghact_builder::{BuildOptions, BuildReport, Builder};

const SECRET: &str = "TOP SECRET";

fn options() -> BuildOptions {
    BuildOptions { compiler_version: "test".into(), write: true, memory_cache: false, image_processor: None }
}

/// Opens, loads and builds the project at `root` as `eghact build` does.
fn build(root: &Path, user: &UserPlaces) -> Result<BuildReport, ProjectError> {
    let mut builder = Builder::open(Project::open_with(root, user)?, options());
    builder.load()?;
    builder.build(&|_| {}).map_err(|eghact_builder::BuildError::Project(error)| error)
}

#[derive(Debug, Default)]
struct Case {
    name: String,
    links: Vec<(String, String)>,
    user: UserPlaces,
    expect: Vec<(String, Vec<String>)>,
    files: Vec<(String, String)>,
}

fn cases(text: &str, vars: &[(&str, String)]) -> Vec<Case> {
    let substitute = |line: &str| vars.iter().fold(line.to_string(), |line, (name, value)| line.replace(name, value));
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines() {
        let line = substitute(line);
        if let Some(name) = line.strip_prefix("=== ") {
            cases.push(Case { name: name.to_string(), ..Case::default() });
            continue;
        }
        let Some(case) = cases.last_mut() else { continue };
        if let Some(directive) = line.strip_prefix("//@ ") {
            let words: Vec<String> = directive.split_whitespace().map(String::from).collect();
            match words[0].as_str() {
                "link" => case.links.push((words[1].clone(), words[3].clone())),
                "out" => case.user.out = Some(words[1].clone().into()),
                "cache-dir" => case.user.cache_dir = Some(words[1].clone().into()),
                _ => case.expect.push((words[0].clone(), words[1..].to_vec())),
            }
        } else if let Some(path) = line.strip_prefix("//- ") {
            case.files.push((path.to_string(), String::new()));
        } else if let Some((_, text)) = case.files.last_mut() {
            text.push_str(&line);
            text.push('\n');
        }
    }
    cases
}

/// Every file under `dir` (links not followed) with its bytes, or its link target.
fn snapshot(dir: &Path, skip: &[&str]) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().filter_entry(|e| !skip.iter().any(|s| e.path() == dir.join(s))).flatten()
    {
        let relative = entry.path().strip_prefix(dir).unwrap().to_path_buf();
        if entry.path_is_symlink() {
            files.insert(relative, fs::read_link(entry.path()).unwrap().into_os_string().into_encoded_bytes());
        } else if entry.file_type().is_file() {
            files.insert(relative, fs::read(entry.path()).unwrap());
        }
    }
    files
}

fn run_case(case: &Case, base: &Path) -> Vec<String> {
    let (root, outside) = (base.join("project"), base.join("outside"));
    fs::create_dir_all(outside.join("etc/ssh")).unwrap();
    fs::create_dir_all(base.join("elsewhere")).unwrap();
    fs::create_dir_all(&root).unwrap();
    fs::write(outside.join("etc/ssh/ssh_host_key"), SECRET).unwrap();
    fs::write(outside.join("secret.txt"), SECRET).unwrap();
    for (path, text) in &case.files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    for (link, target) in &case.links {
        let link = root.join(link);
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, link).unwrap();
    }
    let outside_before = snapshot(&outside, &[]);
    let project_before = snapshot(&root, &["dist", ".eghact"]);

    let result = build(&root, &case.user);
    let mut problems = Vec::new();
    let mut expected_error = false;
    for (kind, words) in &case.expect {
        let (code, at) = (&words[0], words.get(1).cloned().unwrap_or_default());
        match (kind.as_str(), &result) {
            ("error", Err(error)) => {
                expected_error = true;
                let rendered = error.to_string();
                if error.code() != Some(code.as_str()) || !rendered.contains(&at) {
                    problems.push(format!("expected {code} at {at}, got {:?}:\n{rendered}", error.code()));
                }
            }
            ("error", Ok(_)) => problems.push(format!("expected {code} at {at}, the build succeeded")),
            (_, Err(error)) => problems.push(format!("expected a build, got:\n{error}")),
            ("warning", Ok(report)) => {
                let on_path = report.path_diagnostics.iter().any(|p| p.path == at && p.diagnostic.code == code.as_str());
                let on_component =
                    report.files.iter().any(|f| f.path == at && f.diagnostics.iter().any(|d| d.code == code.as_str()));
                if !on_path && !on_component {
                    problems.push(format!("no {code} on {at}: {:?}", report.path_diagnostics));
                }
            }
            ("file", Ok(_)) if !root.join(code).exists() => problems.push(format!("{code} was not written")),
            ("no-file", Ok(_)) if root.join(code).exists() => problems.push(format!("{code} was written")),
            ("contains" | "lacks", Ok(_)) => {
                let text = fs::read_to_string(root.join(code)).unwrap_or_default();
                if text.contains(&at) != (kind == "contains") {
                    problems.push(format!("{code} {kind} `{at}`? it holds: {text}"));
                }
            }
            ("file" | "no-file", Ok(_)) => {}
            _ => problems.push(format!("unknown directive {kind}")),
        }
    }
    if let (Err(error), false) = (&result, expected_error) {
        problems.push(format!("unexpected error:\n{error}"));
    }
    if snapshot(&outside, &[]) != outside_before {
        problems.push("a file outside the project changed".into());
    }
    if snapshot(&root, &["dist", ".eghact"]) != project_before {
        problems.push("a file of the project (not an output) changed".into());
    }
    for (path, bytes) in snapshot(&root, &[]) {
        if bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()) {
            problems.push(format!("a secret reached {}", path.display()));
        }
    }
    problems
}

#[test]
fn places_stay_inside_the_project() {
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project_paths.txt")).unwrap();
    let mut failures = Vec::new();
    let probe = cases(&text, &[]);
    assert!(probe.len() > 30, "{} cases", probe.len());
    for index in 0..probe.len() {
        let base = tempfile::tempdir().unwrap();
        let base = base.path().canonicalize().unwrap();
        let vars = [
            ("$PROJECT", base.join("project").display().to_string()),
            ("$OUTSIDE", base.join("outside").display().to_string()),
            ("$ELSEWHERE", base.join("elsewhere").display().to_string()),
        ];
        let case = cases(&text, &vars).swap_remove(index);
        for problem in run_case(&case, &base) {
            failures.push(format!("{}: {problem}", case.name));
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n\n"));
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join("project").join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// A record written by someone else names files outside the output folder as outputs of a
/// component that is gone, of a copied file that is gone, and of an image: the next build
/// removes none of them, drops those entries with W0711 and builds the rest as new.
#[test]
fn a_planted_build_record_deletes_nothing_outside_the_output_folder() {
    let dir =
        project(&[("src/Keep.egh", "<template><p>keep</p></template>"), ("src/Gone.egh", "<template><p>gone</p></template>")]);
    let root = dir.path().join("project");
    build(&root, &UserPlaces::default()).unwrap();
    let victims = dir.path().join("victims");
    fs::create_dir_all(&victims).unwrap();
    let important = victims.join("important.txt");
    fs::write(&important, "keep me").unwrap();
    // A link in the output folder to a folder outside it, and one to the file itself.
    std::os::unix::fs::symlink(&victims, root.join("dist/sub")).unwrap();
    fs::remove_file(root.join("dist/Gone.js")).unwrap();
    std::os::unix::fs::symlink(&important, root.join("dist/Gone.js")).unwrap();

    let record_path = root.join(".eghact/build-state.json");
    let mut record: serde_json::Value = serde_json::from_slice(&fs::read(&record_path).unwrap()).unwrap();
    let stamp = record["components"]["src/Gone.egh"]["outputs"][0][1].clone();
    let absolute = important.display().to_string();
    let planted = [
        ("src/Gone.egh", vec![absolute.clone()]),
        ("src/Gone2.egh", vec!["../../victims/important.txt".to_string()]),
        ("src/Gone3.egh", vec!["../victims/important.txt".to_string()]),
        ("src/Gone4.egh", vec!["sub/important.txt".to_string()]),
        ("src/Gone5.egh", vec!["Gone.js".to_string()]),
        ("/tmp/Gone6.egh", vec!["Gone6.js".to_string()]),
    ];
    for (component, outputs) in planted {
        let mut entry = record["components"]["src/Gone.egh"].clone();
        entry["outputs"] = outputs.iter().map(|o| serde_json::json!([o, stamp])).collect();
        record["components"][component] = entry;
    }
    record["copies"]["src/../../victims/important.txt"] = stamp.clone();
    record["copies"][absolute.as_str()] = stamp;
    fs::write(&record_path, serde_json::to_vec(&record).unwrap()).unwrap();
    fs::remove_file(root.join("src/Gone.egh")).unwrap();

    let report = build(&root, &UserPlaces::default()).unwrap();
    assert_eq!(fs::read_to_string(&important).unwrap(), "keep me", "a file outside the output folder was removed");
    let dropped: Vec<&str> =
        report.path_diagnostics.iter().filter(|p| p.diagnostic.code == "W0711").map(|p| p.diagnostic.message.as_str()).collect();
    assert_eq!(dropped.len(), 6, "{dropped:#?}");
    assert!(report.path_diagnostics.iter().all(|p| p.path == ".eghact/build-state.json"));
    // The link `dist/Gone.js` was recorded as Gone's output: the link goes, its target stays.
    assert!(!root.join("dist/Gone.js").exists() && !root.join("dist/Gone.js").is_symlink());
    assert!(root.join("dist/Keep.js").is_file());
    // The record no longer holds the planted entries.
    let record = fs::read_to_string(&record_path).unwrap();
    assert!(!record.contains("victims") && !record.contains("Gone"), "{record}");
}

/// Copies keep their permission bits, never more: a private file stays private, a script stays
/// executable, setuid is dropped.
#[test]
fn copies_keep_their_permissions() {
    let dir =
        project(&[("src/private.json", "{}"), ("src/run.sh", "#!/bin/sh\n"), ("src/tool", "x"), ("src/App.egh", "<template/>")]);
    let root = dir.path().join("project");
    for (file, mode) in [("private.json", 0o600), ("run.sh", 0o755), ("tool", 0o4755)] {
        fs::set_permissions(root.join("src").join(file), fs::Permissions::from_mode(mode)).unwrap();
    }
    build(&root, &UserPlaces::default()).unwrap();
    let mode = |file: &str| fs::metadata(root.join("dist").join(file)).unwrap().permissions().mode() & 0o7777;
    assert_eq!((mode("private.json"), mode("run.sh"), mode("tool")), (0o600, 0o755, 0o755));
    // A later chmod of the source reaches the copy with its next change.
    fs::set_permissions(root.join("src/run.sh"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(root.join("src/run.sh"), "#!/bin/sh\necho\n").unwrap();
    build(&root, &UserPlaces::default()).unwrap();
    assert_eq!(mode("run.sh"), 0o700);
}

/// Two names that differ only in bytes that are not UTF-8 are two files: neither is merged
/// into the other by a lossy conversion; both are skipped with W0510.
#[test]
fn names_that_are_not_utf8_are_skipped() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = project(&[("src/App.egh", "<template><p>app</p></template>")]);
    let root = dir.path().join("project");
    let src = root.join("src");
    for (name, text) in
        [(&b"Card\xff.egh"[..], "<template><p>one</p></template>"), (b"Card\xfe.egh", "<template><p>two</p></template>")]
    {
        fs::write(src.join(std::ffi::OsStr::from_bytes(name)), text).unwrap();
    }
    fs::create_dir(src.join(std::ffi::OsStr::from_bytes(b"dir\xff"))).unwrap();
    fs::write(src.join(std::ffi::OsStr::from_bytes(b"dir\xff")).join("data.txt"), "x").unwrap();
    let report = build(&root, &UserPlaces::default()).unwrap();
    let skipped: Vec<_> = report.path_diagnostics.iter().filter(|p| p.diagnostic.code == "W0510").collect();
    assert_eq!(skipped.len(), 3, "{:?}", report.path_diagnostics);
    assert_eq!(report.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["src/App.egh"]);
    let written: Vec<_> = fs::read_dir(root.join("dist")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(written.iter().all(|name| name.to_str().is_some_and(|n| !n.contains('\u{fffd}'))), "{written:?}");
}
