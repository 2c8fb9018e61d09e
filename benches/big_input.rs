//! Big-input benchmark: one component of growing size, compiled by a new `eghact` process each
//! time, to show how time and memory grow with the input. Each case runs at two sizes, the
//! second twice the first: a ratio near 2 is linear growth, near 4 quadratic.
//!
//! `cargo bench --bench big_input` runs the cases of issue 14 (item 16):
//! - `long-line`: `<span>{x}a</span>` repeated on one line, 40,000 and 80,000 times (0.68, 1.36 MB);
//! - `attributes`: one element with 100,000 and 200,000 attributes;
//! - `components`: 200,000 and 400,000 `<C />` tags of an imported component, one per line;
//! - `big-file`: 20 and 40 MB of ordinary markup (a paragraph with a class, a handler and text).
//!
//! For each size it times `eghact check DIR` and `eghact build DIR --summary FILE` (wall clock,
//! new process, fresh project) and reads the build's peak memory (VmHWM) from its summary. With
//! node and `benches/svelte/node_modules`, it then compiles the same markup as `.svelte` with
//! Svelte 4 (`benches/svelte/compile.mjs`, one compile, in memory) at the smaller size.
//! Knobs: `EGHACT_BENCH_CASES` (comma-separated names; all by default), `EGHACT_BENCH_SCALE`
//! (a percentage of the sizes, 100 by default), `EGHACT_BENCH_SKIP_SVELTE=1`,
//! `EGHACT_BENCH_SVELTE_TIMEOUT` (seconds per Svelte compile, 300 by default). Exits non-zero
//! when a run fails or reports an error.

mod harness;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

struct Case {
    name: &'static str,
    /// The smaller size (repetitions of the case's unit).
    size: usize,
    /// The component's source at a size, as `.egh` (every project also holds a child `C`).
    egh: fn(usize) -> String,
}

const CASES: &[Case] = &[
    Case { name: "long-line", size: 40_000, egh: long_line },
    Case { name: "attributes", size: 100_000, egh: attributes },
    Case { name: "components", size: 200_000, egh: components },
    Case { name: "big-file", size: 400_000, egh: big_file },
];

const CHILD: &str = "<template><p>child</p></template>\n";

fn long_line(n: usize) -> String {
    format!("<script>\n  let x = 1;\n</script>\n<template>{}</template>\n", "<span>{x}a</span>".repeat(n))
}

fn attributes(n: usize) -> String {
    let mut element = String::from("<div");
    for i in 0..n {
        let _ = write!(element, " a{i}=\"v\"");
    }
    format!("<template>\n{element}></div>\n</template>\n")
}

fn components(n: usize) -> String {
    format!("<script>\n  import C from './C.egh';\n</script>\n<template>\n{}</template>\n", "<C />\n".repeat(n))
}

/// About 50 bytes a line: 400,000 lines are 20 MB.
fn big_file(n: usize) -> String {
    let line = "<p class=\"item {x}\" @click={() => x++}>{x} item</p>\n";
    format!(
        "<script>\n  let x = 1;\n</script>\n<template>\n{}</template>\n<style>\n  p {{ color: red; }}\n</style>\n",
        line.repeat(n)
    )
}

/// The same component for Svelte: no `<template>` wrapper, `.svelte` imports.
fn to_svelte(egh: &str) -> String {
    egh.replacen("<template>", "", 1).replacen("</template>", "", 1).replace("@click=", "on:click=").replace(".egh'", ".svelte'")
}

struct Figures {
    bytes: usize,
    check_ms: f64,
    build_ms: f64,
    peak_mib: f64,
}

fn write_project(dir: &Path, app: &str, ext: &str) -> Result<(), String> {
    let src = if ext == "egh" { dir.join("src") } else { dir.to_path_buf() };
    std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    let (app, child) = if ext == "egh" { (app.to_string(), CHILD.to_string()) } else { (to_svelte(app), to_svelte(CHILD)) };
    std::fs::write(src.join(format!("App.{ext}")), app).map_err(|e| e.to_string())?;
    std::fs::write(src.join(format!("C.{ext}")), child).map_err(|e| e.to_string())
}

/// Runs `eghact ARGS`; returns the wall time in ms.
fn eghact(args: &[&std::ffi::OsStr]) -> Result<f64, String> {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_eghact")).args(args).output().map_err(|e| format!("cannot run eghact: {e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("eghact {:?} failed: {}", args, stderr.chars().take(2000).collect::<String>()));
    }
    Ok(ms)
}

fn measure(case: &Case, n: usize, tmp: &Path) -> Result<Figures, String> {
    let source = (case.egh)(n);
    let (check_dir, build_dir) = (tmp.join(format!("{}-{n}-check", case.name)), tmp.join(format!("{}-{n}-build", case.name)));
    write_project(&check_dir, &source, "egh")?;
    write_project(&build_dir, &source, "egh")?;
    let check_ms = eghact(&["check".as_ref(), check_dir.as_os_str()])?;
    let summary_path = tmp.join(format!("{}-{n}-summary.json", case.name));
    let build_ms = eghact(&["build".as_ref(), build_dir.as_os_str(), "--summary".as_ref(), summary_path.as_os_str()])?;
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary_path).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    if summary["totals"]["errors"].as_u64() != Some(0) {
        return Err(format!("{} at {n}: the build reported errors", case.name));
    }
    let peak_mib = summary["peakMemoryKib"].as_f64().unwrap_or(f64::NAN) / 1024.0;
    for dir in [check_dir, build_dir] {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(Figures { bytes: source.len(), check_ms, build_ms, peak_mib })
}

/// Svelte 4 on the same markup: ms of one compile, `None` with the reason when it did not run.
fn svelte(case: &Case, n: usize, tmp: &Path, timeout: Duration) -> Result<f64, String> {
    let svelte_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/svelte");
    if !svelte_dir.join("node_modules/svelte").is_dir() {
        return Err(format!("run `npm ci` in {}", svelte_dir.display()));
    }
    let dir = tmp.join(format!("{}-{n}-svelte", case.name));
    write_project(&dir, &(case.egh)(n), "svelte")?;
    let mut child = Command::new("node")
        .arg(svelte_dir.join("compile.mjs"))
        .arg(&dir)
        .args(["--iterations", "1", "--warmup", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let deadline = Instant::now() + timeout;
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no result within {} s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).chars().take(500).collect());
    }
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    // The two files (App and C) are compiled in one pass: C is negligible.
    line["total_ms"].as_f64().ok_or_else(|| "no total_ms in the svelte output".to_string())
}

fn main() -> ExitCode {
    let selected: Option<Vec<String>> =
        std::env::var("EGHACT_BENCH_CASES").ok().map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let scale = harness::number("EGHACT_BENCH_SCALE", 100).max(1);
    let timeout = Duration::from_secs(harness::number("EGHACT_BENCH_SVELTE_TIMEOUT", 300) as u64);
    let Ok(tmp) = tempfile::Builder::new().prefix("eghact-big-").tempdir() else {
        eprintln!("error: cannot create a temporary folder");
        return ExitCode::FAILURE;
    };
    println!("eghact on one big component: new process per run; ratio = figure at 2n / figure at n (2 is linear)");
    println!("{:<11} {:>9} {:>9} {:>11} {:>11} {:>10}", "case", "n", "MB", "check ms", "build ms", "peak MiB");
    let mut rows = Vec::new();
    for case in CASES.iter().filter(|c| selected.as_ref().is_none_or(|s| s.iter().any(|name| name == c.name))) {
        let n = (case.size * scale / 100).max(1);
        let mut figures = Vec::new();
        for size in [n, 2 * n] {
            match measure(case, size, tmp.path()) {
                Ok(f) => {
                    println!(
                        "{:<11} {size:>9} {:>9.2} {:>11.0} {:>11.0} {:>10.0}",
                        case.name,
                        f.bytes as f64 / 1e6,
                        f.check_ms,
                        f.build_ms,
                        f.peak_mib
                    );
                    figures.push(f);
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        let (small, large) = (&figures[0], &figures[1]);
        println!(
            "{:<11} {:>9} {:>9} {:>10.2}x {:>10.2}x {:>9.2}x",
            "  ratio",
            "",
            "",
            large.check_ms / small.check_ms,
            large.build_ms / small.build_ms,
            large.peak_mib / small.peak_mib
        );
        rows.push((case, n, figures.swap_remove(0)));
    }
    if harness::flag("EGHACT_BENCH_SKIP_SVELTE") {
        return ExitCode::SUCCESS;
    }
    println!("Svelte 4.2.20 on the same markup (compile only, in memory), smaller size:");
    for (case, n, figures) in rows {
        match svelte(case, n, tmp.path(), timeout) {
            Ok(ms) => println!("  {:<11} svelte {ms:>9.0} ms, eghact build {:>7.0} ms", case.name, figures.build_ms),
            Err(why) => println!("  {:<11} svelte skipped: {why}", case.name),
        }
    }
    ExitCode::SUCCESS
}
