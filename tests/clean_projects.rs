//! Zero false positives: the generated benchmark projects and the bundled examples check
//! without a single error or warning.

#[path = "../benches/generator/mod.rs"]
mod generator;

use std::path::Path;

use eghact_builder::project::Project;
use eghact_builder::{BuildOptions, Builder};
use eghact_syntax::diagnostics::render;
use generator::{Flavor, generate};

/// Every diagnostic of the project at `root`, rendered.
fn check(root: &Path) -> String {
    let project = Project::open(root).unwrap();
    let mut builder = Builder::open(
        project,
        BuildOptions { compiler_version: "test".into(), write: false, memory_cache: false, image_processor: None },
    );
    builder.load().unwrap();
    let report = builder.build(&|_| {}).unwrap();
    assert!(!report.files.is_empty(), "no components in {}", root.display());
    let mut rendered = String::new();
    for file in report.files.iter().filter(|f| !f.diagnostics.is_empty()) {
        let source = std::fs::read_to_string(root.join(&file.path)).unwrap();
        rendered.push_str(&render(&file.path, &source, &file.diagnostics));
    }
    rendered
}

#[test]
fn generated_projects_check_cleanly() {
    for seed in [7, 8] {
        let dir = tempfile::tempdir().unwrap();
        for (path, source) in generate(300, Flavor::Egh, seed) {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, source).unwrap();
        }
        assert_eq!(check(dir.path()), "", "seed {seed}");
    }
}

#[test]
fn the_examples_check_cleanly() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(examples).unwrap() {
        let root = entry.unwrap().path();
        // Checked in a copy: a check writes its cache under the project.
        let copy = tempfile::tempdir().unwrap();
        copy_dir(&root, copy.path());
        assert_eq!(check(copy.path()), "", "{}", root.display());
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().flatten() {
        let relative = entry.path().strip_prefix(from).unwrap();
        if relative.starts_with("dist") || relative.starts_with(".eghact") {
            continue;
        }
        let target = to.join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
