//! Build benchmark: cold, warm and incremental builds of generated projects, with the
//! Svelte compiler on the same components for the cold build.
//!
//! `cargo bench --bench build` generates projects of 1,000 and 10,000 components
//! (`EGHACT_BENCH_SIZES=1000,10000`) with `generator/mod.rs`, then for each size:
//! 1. cold build in a new process (`eghact build --summary`), on all cores and on one thread;
//! 2. warm no-op build in a new process (the build record says nothing changed);
//! 3. warm build in a new process from the disk cache alone (record and outputs deleted);
//! 4. watch mode in this process: a one-file body edit and a one-file signature edit, each
//!    from the change to rewritten outputs (`Builder::refresh` + `Builder::build`);
//! 5. with node and `benches/svelte/node_modules`: the Svelte compiler on the same components
//!    (compile only, in memory, one thread) for the smallest size, and the ratio.
//! Peak memory: each process reports its own high-water mark (VmHWM) in its summary; for
//! watch mode it is this process's. Timings are wall clock, best of `EGHACT_BENCH_ITERS`
//! (default 3) runs. Exits non-zero when a build reports an error.

mod generator;
mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use eghact_builder::project::Project;
use eghact_builder::{BuildOptions, Builder, CacheState, peak_memory_kib};
use generator::Flavor;

const SEED: u64 = 0xE6AC7;

struct Run {
    wall_ms: f64,
    summary: serde_json::Value,
}

fn eghact(dir: &Path, extra: &[&str]) -> Result<Run, String> {
    let summary_path = dir.join(".eghact-bench-summary.json");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .arg("build")
        .arg(dir)
        .arg("--summary")
        .arg(&summary_path)
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run eghact: {e}"))?;
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    if !output.status.success() {
        return Err(format!("eghact build failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let text = std::fs::read_to_string(&summary_path).map_err(|e| e.to_string())?;
    let summary = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(Run { wall_ms, summary })
}

/// The fastest of `iters` runs of the binary.
fn best(iters: usize, mut run: impl FnMut() -> Result<Run, String>) -> Result<Run, String> {
    harness::best(iters, || run().map(|r| (r.wall_ms, r))).map(|(_, run)| run)
}

/// A fresh copy of the project's sources (and, with `cache`, of its disk cache) in a new
/// folder under `parent`. Copies are made rather than outputs deleted: on ext4, creating many
/// files right after deleting many is several times slower, which no real cold build sees.
fn fresh_copy(project: &Path, parent: &Path, cache: bool) -> Result<PathBuf, String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let copy = parent.join(format!("run{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    let mut folders = vec!["src"];
    if cache {
        folders.push(".eghact/cache");
    }
    for folder in folders {
        for entry in walkdir::WalkDir::new(project.join(folder)).into_iter().flatten() {
            let relative = entry.path().strip_prefix(project).map_err(|e| e.to_string())?;
            let target = copy.join(relative);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            } else {
                std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(copy)
}

fn describe(label: &str, run: &Run) {
    let totals = &run.summary["totals"];
    let peak = run.summary["peakMemoryKib"].as_u64().map_or("?".to_string(), |k| format!("{:.0} MiB", k as f64 / 1024.0));
    println!(
        "  {label:<38} {:>9.1} ms wall ({:>8.1} ms in build; {} compiled, {} hits, {} unchanged; peak {peak})",
        run.wall_ms,
        run.summary["phases"]["totalMs"].as_f64().unwrap_or(f64::NAN),
        totals["misses"],
        totals["hits"],
        totals["unchanged"],
    );
}

/// A one-file edit in watch mode: change, refresh, build; returns (ms, rebuilt components,
/// the build's phases).
fn watch_edit(
    builder: &mut Builder,
    dir: &Path,
    path: &str,
    edit: impl Fn(&str) -> String,
) -> Result<(f64, usize, String), String> {
    let file = dir.join(path);
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    std::fs::write(&file, edit(&text)).map_err(|e| e.to_string())?;
    let started = Instant::now();
    builder.refresh([path.to_string()]).map_err(|e| e.to_string())?;
    let report = builder.build(&|_| {}).map_err(|e| e.to_string())?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if report.errors() > 0 {
        return Err(format!("errors after editing {path}"));
    }
    let phases = &report.phases;
    let phases = format!(
        "load {:.2}, plan {:.2}, compile {:.2}, write {:.2} ms",
        phases.load_ms, phases.plan_ms, phases.compile_ms, phases.write_ms
    );
    Ok((ms, report.files.iter().filter(|f| f.cache != CacheState::Unchanged).count(), phases))
}

fn svelte_ms_per_component(n: usize) -> Result<f64, String> {
    let svelte_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/svelte");
    if !svelte_dir.join("node_modules/svelte").is_dir() {
        return Err(format!("run `npm ci` in {}", svelte_dir.display()));
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    generator::write_project(tmp.path(), n, Flavor::Svelte, SEED).map_err(|e| e.to_string())?;
    let output = Command::new("node")
        .arg(svelte_dir.join("compile.mjs"))
        .arg(tmp.path())
        .args(["--iterations", "1", "--warmup", "0"])
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    line["ms_per_component"].as_f64().ok_or_else(|| "no ms_per_component in the svelte output".to_string())
}

fn bench(n: usize, iters: usize) -> Result<f64, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = &tmp.path().join("project");
    generator::write_project(dir, n, Flavor::Egh, SEED).map_err(|e| e.to_string())?;
    println!("{n} components:");
    let cold = best(iters, || eghact(&fresh_copy(dir, tmp.path(), false)?, &[]))?;
    describe("cold build, all cores", &cold);
    let cold_one = best(iters, || eghact(&fresh_copy(dir, tmp.path(), false)?, &["--threads", "1"]))?;
    describe("cold build, one thread", &cold_one);
    eghact(dir, &[])?;
    let warm = best(iters, || eghact(dir, &[]))?;
    describe("warm no-op build (new process)", &warm);
    let from_cache = best(iters, || eghact(&fresh_copy(dir, tmp.path(), true)?, &[]))?;
    describe("warm build from the disk cache alone", &from_cache);

    let project = Project::open(dir).map_err(|e| e.to_string())?;
    let mut builder = Builder::open(
        project,
        BuildOptions { compiler_version: "bench".into(), write: true, memory_cache: true, image_processor: None },
    );
    // As `eghact build --watch`: the build record is written when idle, not after every edit.
    builder.defer_save(true);
    builder.load().map_err(|e| e.to_string())?;
    builder.build(&|_| {}).map_err(|e| e.to_string())?;
    let target = format!("src/C{:04}.egh", n / 2);
    let mut body = Vec::new();
    for i in 0..iters.max(5) {
        body.push(watch_edit(&mut builder, dir, &target, |t| format!("{t}\n<!-- edit {i} -->\n"))?);
    }
    let best_body = body.iter().min_by(|a, b| a.0.total_cmp(&b.0)).ok_or("no edit")?;
    println!(
        "  {:<38} {:>9.2} ms ({} component rebuilt; {})",
        "watch: one-file body edit", best_body.0, best_body.1, best_body.2
    );
    // Every generated component declares `export let label…`: a new prop is a new signature.
    let (signature_ms, rebuilt, phases) = watch_edit(&mut builder, dir, &target, |t| {
        t.replacen("export let label", "export let benchExtra = 0;\n  export let label", 1)
    })?;
    println!(
        "  {:<38} {signature_ms:>9.2} ms ({rebuilt} components rebuilt, the file and its importers; {phases})",
        "watch: one-file signature edit"
    );
    if let Some(kib) = peak_memory_kib() {
        println!("  {:<38} {:>9.0} MiB (this process, all steps so far)", "watch: peak memory", kib as f64 / 1024.0);
    }
    Ok(cold.wall_ms / n as f64)
}

fn main() -> ExitCode {
    let (sizes, iters) = harness::knobs();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("eghact build benchmark ({cores} cores, best of {iters})");
    harness::sweep(
        &sizes,
        |n| bench(n, iters),
        |n, eghact| match svelte_ms_per_component(n) {
            Ok(svelte) => println!(
                "cold build vs Svelte on {n} components: eghact {eghact:.3} ms/component (check + compile + write, new process), \
             svelte {svelte:.3} ms/component (compile only) -> {:.1}x",
                svelte / eghact
            ),
            Err(why) => println!("svelte comparison skipped: {why}"),
        },
    )
}
