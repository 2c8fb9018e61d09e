//! Compile-throughput benchmark: Eghact engine vs. the Svelte 4 compiler on the same project.
//!
//! `cargo bench --bench compile` generates a synthetic project of N components (default 2,000;
//! `EGHACT_BENCH_COMPONENTS`) in both flavors (see `generator/mod.rs`), then
//! 1. compiles every `.egh` once as a warm-up and counts error diagnostics (must be zero),
//! 2. compiles the whole project `EGHACT_BENCH_ITERS` times (default 5) on this one thread and
//!    reports ms per component (best pass and median pass),
//! 3. runs `node benches/svelte/compile.mjs` on the `.svelte` copy (when node and
//!    `benches/svelte/node_modules` exist) and prints both figures and their ratio.
//!
//! Sources are read into memory before timing; only the compile calls are timed.
//! Other knobs: `EGHACT_BENCH_SEED`, `EGHACT_BENCH_SVELTE_ITERS` (default 3),
//! `EGHACT_BENCH_SKIP_SVELTE=1`, `EGHACT_BENCH_KEEP=1` (keep and print the generated project).
//! Exits non-zero when the engine reports an error diagnostic, panics, or the Svelte run fails.

mod generator;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use eghact_codegen::CompileOptions;
use eghact_codegen::compile;
use generator::Flavor;

const DEFAULT_COMPONENTS: usize = 2_000;
const DEFAULT_SEED: u64 = 0xE6AC7;
const DEFAULT_ITERS: usize = 5;
const DEFAULT_SVELTE_ITERS: usize = 3;
/// How many error diagnostics to print in full.
const SHOWN_ERRORS: usize = 10;

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                // Hex is handy for seeds; parse through u64 then re-parse as T.
                Some(hex) => u64::from_str_radix(hex, 16).ok().and_then(|n| n.to_string().parse().ok()),
                None => v.parse().ok(),
            };
            parsed.unwrap_or_else(|| {
                eprintln!("error: {name}={v:?} is not a valid number");
                std::process::exit(2);
            })
        }
        _ => default,
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// `.egh`/`.svelte` files under `dir`, sorted, with their contents.
fn read_sources(dir: &Path, ext: &str) -> std::io::Result<Vec<(String, String)>> {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths.into_iter().map(|p| Ok((p.to_string_lossy().into_owned(), std::fs::read_to_string(&p)?))).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

struct Figures {
    best_ms_per: f64,
    median_ms_per: f64,
    best_total_ms: f64,
}

/// Warm-up pass that also validates: returns (error count, warning-or-lower count, output bytes).
fn warm_up(files: &[(String, String)], options: &CompileOptions) -> Result<(usize, usize, usize), String> {
    let mut errors = 0;
    let mut others = 0;
    let mut bytes = 0;
    let mut shown = 0;
    for (path, source) in files {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compile(path, source, options)))
            .map_err(|_| format!("the engine panicked while compiling {path}"))?;
        bytes += out.js.len() + out.css.len();
        let errs: Vec<_> = out.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        errors += errs.len();
        others += out.diagnostics.len() - errs.len();
        if !errs.is_empty() && shown < SHOWN_ERRORS {
            let take = errs.len().min(SHOWN_ERRORS - shown);
            shown += take;
            eprint!("{}", eghact_syntax::diagnostics::render(path, source, &errs[..take]));
        }
    }
    Ok((errors, others, bytes))
}

fn time_engine(files: &[(String, String)], options: &CompileOptions, iters: usize) -> Figures {
    let mut passes = Vec::with_capacity(iters);
    for _ in 0..iters {
        let start = Instant::now();
        for (path, source) in files {
            black_box(compile(black_box(path), black_box(source), options));
        }
        passes.push(ms(start.elapsed()));
    }
    passes.sort_by(f64::total_cmp);
    let n = files.len() as f64;
    Figures { best_ms_per: passes[0] / n, median_ms_per: median(&passes) / n, best_total_ms: passes[0] }
}

enum Svelte {
    Ran { figures: Figures, version: String, components: usize },
    Skipped(String),
    Failed(String),
}

fn run_svelte(svelte_dir: &Path, project: &Path, iters: usize) -> Svelte {
    let script = svelte_dir.join("compile.mjs");
    if !svelte_dir.join("node_modules").join("svelte").is_dir() {
        return Svelte::Skipped(format!(
            "{} is missing; to enable it run `npm ci` in {} (needs Node.js 16+)",
            svelte_dir.join("node_modules/svelte").display(),
            svelte_dir.display()
        ));
    }
    match Command::new("node").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => {}
        _ => {
            return Svelte::Skipped("`node` is not on PATH; install Node.js 16+ to run the Svelte comparison".into());
        }
    }
    let output = Command::new("node")
        .arg(&script)
        .arg(project)
        .args(["--iterations", &iters.to_string()])
        .stderr(Stdio::inherit())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => return Svelte::Failed(format!("could not run node: {e}")),
    };
    if !output.status.success() {
        return Svelte::Failed(format!("node {} exited with {}", script.display(), output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')) else {
        return Svelte::Failed(format!("no JSON line in the output of compile.mjs: {stdout:?}"));
    };
    let json: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return Svelte::Failed(format!("bad JSON from compile.mjs ({e}): {line}")),
    };
    let num = |k: &str| json.get(k).and_then(serde_json::Value::as_f64);
    match (num("ms_per_component"), num("total_ms"), num("components")) {
        (Some(per), Some(total), Some(components)) => Svelte::Ran {
            figures: Figures {
                best_ms_per: per,
                median_ms_per: num("median_ms_per_component").unwrap_or(per),
                best_total_ms: total,
            },
            version: json.get("svelte").and_then(|v| v.as_str()).unwrap_or("?").to_string(),
            components: components as usize,
        },
        _ => Svelte::Failed(format!("unexpected JSON from compile.mjs: {line}")),
    }
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` (and possibly a filter); nothing here takes arguments.
    let n: usize = env_num("EGHACT_BENCH_COMPONENTS", DEFAULT_COMPONENTS).max(1);
    let seed: u64 = env_num("EGHACT_BENCH_SEED", DEFAULT_SEED);
    let iters: usize = env_num("EGHACT_BENCH_ITERS", DEFAULT_ITERS).max(1);
    let svelte_iters: usize = env_num("EGHACT_BENCH_SVELTE_ITERS", DEFAULT_SVELTE_ITERS).max(1);

    let tmp = tempfile::Builder::new().prefix("eghact-bench-").tempdir().expect("create a temp dir");
    let egh_dir = tmp.path().join("egh");
    let svelte_project = tmp.path().join("svelte");
    generator::write_project(&egh_dir, n, Flavor::Egh, seed).expect("write the .egh project");
    generator::write_project(&svelte_project, n, Flavor::Svelte, seed).expect("write the .svelte project");

    let files = read_sources(&egh_dir, "egh").expect("read the generated .egh files");
    let lines: usize = files.iter().map(|(_, s)| s.lines().count()).sum();
    let bytes: usize = files.iter().map(|(_, s)| s.len()).sum();
    println!(
        "eghact compile benchmark: {} components ({} lines, {:.1} KiB, seed {seed:#x}), one thread",
        files.len(),
        lines,
        bytes as f64 / 1024.0
    );

    let options = CompileOptions { runtime_import: "../eghact-runtime.js".to_string(), ..CompileOptions::default() };
    let mut failed = false;

    let warm = Instant::now();
    let (errors, others, out_bytes) = match warm_up(&files, &options) {
        Ok(counts) => counts,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "warm-up: {:.0} ms, {} KiB of JS+CSS out; diagnostics: {errors} error(s), {others} warning(s)/hint(s)",
        ms(warm.elapsed()),
        out_bytes / 1024
    );
    if errors > 0 {
        eprintln!("error: the generated project must compile without errors ({errors} found; first ones above)");
        failed = true;
    }

    let engine = time_engine(&files, &options, iters);
    println!(
        "eghact: best {:.4} ms/component, median {:.4} ms/component ({iters} passes, best pass {:.1} ms)",
        engine.best_ms_per, engine.median_ms_per, engine.best_total_ms
    );

    let svelte_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches").join("svelte");
    let svelte = if env_flag("EGHACT_BENCH_SKIP_SVELTE") {
        Svelte::Skipped("EGHACT_BENCH_SKIP_SVELTE is set".into())
    } else {
        println!("svelte: compiling the .svelte copy with node (warm-up, then {svelte_iters} timed pass(es))...");
        run_svelte(&svelte_dir, &svelte_project, svelte_iters)
    };

    println!();
    println!("{:<24} {:>16} {:>16} {:>14}", "compiler", "best ms/comp", "median ms/comp", "best pass ms");
    println!(
        "{:<24} {:>16.4} {:>16.4} {:>14.1}",
        "eghact (rust)", engine.best_ms_per, engine.median_ms_per, engine.best_total_ms
    );
    match &svelte {
        Svelte::Ran { figures, version, components } => {
            println!(
                "{:<24} {:>16.4} {:>16.4} {:>14.1}",
                format!("svelte {version} (node)"),
                figures.best_ms_per,
                figures.median_ms_per,
                figures.best_total_ms
            );
            if *components != files.len() {
                eprintln!("warning: svelte compiled {components} files, eghact {}", files.len());
            }
            let ratio = figures.best_ms_per / engine.best_ms_per;
            let median_ratio = figures.median_ms_per / engine.median_ms_per;
            println!(
                "ratio svelte/eghact: {ratio:.1}x on best passes, {median_ratio:.1}x on medians ({})",
                if ratio >= 1.0 { "eghact is faster" } else { "svelte is faster" }
            );
        }
        Svelte::Skipped(why) => println!("svelte comparison skipped: {why}"),
        Svelte::Failed(why) => {
            eprintln!("error: svelte comparison failed: {why}");
            failed = true;
        }
    }

    if env_flag("EGHACT_BENCH_KEEP") {
        println!("generated projects kept in {}", tmp.keep().display());
    }
    if failed {
        println!("benchmark FAILED");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
