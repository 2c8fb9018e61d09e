//! Check benchmark: full checks of generated projects, re-checks after a one-file edit, and
//! svelte-check on the same components.
//!
//! `cargo bench --bench check` generates projects of 1,000 and 10,000 components
//! (`EGHACT_BENCH_SIZES`) with `generator/mod.rs`, then for each size:
//! 1. a full check in a new process: `eghact check DIR` on a fresh copy (no cache), wall clock;
//! 2. in this process, on a salsa database holding the project: the diagnostics of every
//!    component (cold, on one thread), then a one-file body edit and a one-file signature edit,
//!    each timed from the input write to the new diagnostics of the edited file and, when its
//!    signature changed, of the components that import it (what an editor shows), and the time
//!    to re-validate every component;
//! 3. with node and `benches/svelte/node_modules`: `svelte-check` on the `.svelte` copy of the
//!    first size, and the ratio to the full check.
//! Best of `EGHACT_BENCH_ITERS` (default 3). Exits non-zero when a check reports an error.

mod generator;
mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use eghact_analysis::db::{self, Database, Layout};
use eghact_builder::{FileChange, Host};
use generator::Flavor;

const SEED: u64 = 0xE6AC7;

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// `eghact check` on a fresh copy of `files` under `parent`.
fn full_check(files: &[(String, String)], parent: &Path, run: usize) -> Result<(f64, ()), String> {
    let dir = parent.join(format!("check{run}"));
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().ok_or("no parent")?).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_eghact")).arg("check").arg(&dir).output().map_err(|e| e.to_string())?;
    let elapsed = ms(started);
    if !output.status.success() {
        return Err(format!("eghact check failed:\n{}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok((elapsed, ()))
}

/// Diagnostics of `paths`; returns their number. `db::check` is everything but import cycles,
/// which an editor publishes first; cycles read the whole import graph.
fn diagnose(host: &Host, paths: &[String]) -> usize {
    paths.iter().filter_map(|p| host.file(p)).map(|f| db::check(host.db(), f).len()).sum()
}

/// An edit of `path`, then its new diagnostics and, when its signature changed, those of the
/// components that import it, as an editor re-checks: (ms, files checked).
fn recheck(host: &mut Host, path: &str, text: String) -> (f64, usize) {
    let file = host.file(path).expect("the edited file exists");
    let before = db::signature(host.db(), file).hash();
    let started = Instant::now();
    host.apply([FileChange::Write { path: path.to_string(), text }]);
    let mut affected = vec![path.to_string()];
    if db::signature(host.db(), file).hash() != before {
        let graph = db::import_graph(host.db());
        affected.extend(graph.importers.get(path).into_iter().flatten().cloned());
    }
    diagnose(host, &affected);
    (ms(started), affected.len())
}

fn in_process(files: &[(String, String)], iters: usize) -> Result<(), String> {
    let mut host =
        Host::new(Database::default(), Layout { src: "src".into(), src_from_out: "../src".into(), ..Layout::default() });
    host.apply(files.iter().map(|(path, text)| FileChange::Write { path: path.clone(), text: text.clone() }));
    let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    let started = Instant::now();
    let count: usize = paths.iter().filter_map(|p| host.file(p)).map(|f| db::diagnostics(host.db(), f).len()).sum();
    println!("  {:<44} {:>9.1} ms ({count} diagnostics)", "database: every component, cold, one thread", ms(started));
    if count > 0 {
        return Err(format!("{count} diagnostics in a generated project"));
    }
    let target = &paths[paths.len() / 2];
    let original = files.iter().find(|(p, _)| p == target).map(|(_, t)| t.clone()).ok_or("no target")?;
    let mut edits = 0;
    let (body_ms, body_files) = harness::best(iters.max(5), || {
        edits += 1;
        let edit = format!("{original}\n<!-- edit {edits} -->\n");
        let (ms, checked) = recheck(&mut host, target, edit);
        Ok((ms, checked))
    })?;
    println!("  {:<44} {body_ms:>9.2} ms ({body_files} files re-checked)", "re-check after a one-file body edit");
    let file = host.file(target).ok_or("no target")?;
    let started = Instant::now();
    db::diagnostics(host.db(), file);
    println!("  {:<44} {:>9.2} ms", "then its import cycles (whole import graph)", ms(started));
    let signature = original.replacen("export let label", "export let benchExtra = 0;\n  export let label", 1);
    let (signature_ms, signature_files) = recheck(&mut host, target, signature);
    println!("  {:<44} {signature_ms:>9.2} ms ({signature_files} files re-checked)", "re-check after a one-file signature edit");
    host.apply([FileChange::Write { path: target.clone(), text: original }]);
    let started = Instant::now();
    diagnose(&host, &paths);
    println!("  {:<44} {:>9.1} ms", "re-validate every component after it", ms(started));
    Ok(())
}

fn svelte_check(n: usize) -> Result<f64, String> {
    let svelte = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/svelte");
    let bin = svelte.join("node_modules/.bin/svelte-check");
    if !bin.exists() {
        return Err(format!("run `npm ci` in {}", svelte.display()));
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    generator::write_project(tmp.path(), n, Flavor::Svelte, SEED).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let output = Command::new(&bin)
        .arg("--workspace")
        .arg(tmp.path())
        .args(["--output", "machine"])
        .output()
        .map_err(|e| e.to_string())?;
    let elapsed = ms(started);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout.lines().find(|l| l.contains("COMPLETED")).unwrap_or("").to_string();
    if !summary.contains(" 0 ERRORS") {
        return Err(format!("svelte-check did not finish cleanly: {summary}{}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(elapsed)
}

fn main() -> ExitCode {
    let (sizes, iters) = harness::knobs();
    println!("eghact check benchmark (best of {iters})");
    let bench = |n: usize| -> Result<f64, String> {
        println!("{n} components:");
        let files = generator::generate(n, Flavor::Egh, SEED);
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut run = 0;
        let (full, ()) = harness::best(iters, || {
            run += 1;
            full_check(&files, tmp.path(), run)
        })?;
        println!("  {:<44} {full:>9.1} ms", "full check, new process (eghact check)");
        in_process(&files, iters)?;
        Ok(full)
    };
    harness::sweep(&sizes, bench, |n, eghact| match svelte_check(n) {
        Ok(svelte) => {
            println!(
                "full check of {n} components: eghact {eghact:.0} ms, svelte-check 3.8.6 {svelte:.0} ms -> {:.1}x",
                svelte / eghact
            )
        }
        Err(why) => println!("svelte-check comparison skipped: {why}"),
    })
}
