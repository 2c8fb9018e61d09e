//! Bundle benchmark: `eghact build --release` against Vite on the same generated app.
//!
//! `cargo bench --bench bundle` generates projects of 2,000 and 10,000 components
//! (`EGHACT_BENCH_SIZES=2000,10000`) with `generator/mod.rs`, plus an `App` that imports and
//! renders every component and a page that mounts it, then for each size:
//! 1. a cold bundle in a new process (no cache, no build record, no output), with its phases
//!    (the per-module build, Rolldown, styles and page, write);
//! 2. a warm bundle in a new process: every module from the build record and the cache, and
//!    the bundle record saying nothing changed, so Rolldown does not run;
//! 3. a re-bundle in a new process: the same without the bundle record (Rolldown runs again on
//!    the cached modules);
//! 4. the output's size: JavaScript raw and gzip, CSS;
//! 5. for the smallest size, with node and `benches/vite/node_modules` (`npm ci` there): Vite
//!    8.4 with @sveltejs/vite-plugin-svelte and Svelte 5 building the generator's `.svelte`
//!    copy (`benches/vite/build.mjs`), in a new process, and the ratios.
//! Timings are wall clock of the whole process, best of `EGHACT_BENCH_ITERS` (default 3; Vite
//! runs `EGHACT_BENCH_VITE_ITERS`, default 1). Exits non-zero when a build fails.
//! `EGHACT_BENCH_KEEP=DIR` writes the projects under DIR and keeps them.

mod generator;
mod harness;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use generator::Flavor;

const SEED: u64 = 0xE6AC7;

/// What one bundle wrote, by size.
#[derive(Clone, Copy, Default)]
struct Output {
    js_files: usize,
    js_bytes: usize,
    js_gzip_bytes: usize,
    css_bytes: usize,
}

struct Eghact {
    cold_ms: f64,
    warm_ms: f64,
    rebundle_ms: f64,
    /// Of the cold run: the per-module build, then the bundle's phases.
    build_ms: f64,
    phases: serde_json::Value,
    output: Output,
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).map(|_| encoder.finish().map_or(0, |b| b.len())).unwrap_or(0)
}

fn measure(dist: &Path) -> Output {
    let mut output = Output::default();
    for entry in walkdir::WalkDir::new(dist).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(bytes) = std::fs::read(entry.path()) else { continue };
        if name.ends_with(".js") {
            output.js_files += 1;
            output.js_bytes += bytes.len();
            output.js_gzip_bytes += gzip_len(&bytes);
        } else if name.ends_with(".css") {
            output.css_bytes += bytes.len();
        }
    }
    output
}

/// The generated components, an `App` rendering each, and the page (and for Vite `main.js`).
fn write_app(dir: &Path, n: usize, flavor: Flavor) -> Result<(), String> {
    let files = generator::generate(n, flavor, SEED);
    generator::write_files(dir, &files).map_err(|e| e.to_string())?;
    let names: Vec<&str> = files.iter().filter_map(|(path, _)| path.strip_prefix("src/")?.split('.').next()).collect();
    let imports: String = names.iter().map(|name| format!("  import {name} from './{name}.{}';\n", flavor.extension())).collect();
    let tags: String = names.iter().map(|name| format!("  <{name} />\n")).collect();
    let (app, page) = match flavor {
        Flavor::Egh => (
            format!("<script>\n{imports}</script>\n<template>\n<main>\n{tags}</main>\n</template>\n"),
            "<!doctype html><html><head><title>bench</title></head><body><div id=\"app\"></div>\n<script type=\"module\">\nimport App from './src/App.egh';\nnew App({ target: document.getElementById('app') });\n</script></body></html>\n",
        ),
        Flavor::Svelte => (
            format!("<script>\n{imports}</script>\n<main>\n{tags}</main>\n"),
            "<!doctype html><html><head><title>bench</title></head><body><div id=\"app\"></div>\n<script type=\"module\" src=\"/main.js\"></script></body></html>\n",
        ),
    };
    let mut extra = vec![(format!("src/App.{}", flavor.extension()), app), ("index.html".into(), page.into())];
    if flavor == Flavor::Svelte {
        let main = "import { mount } from 'svelte';\nimport App from './src/App.svelte';\nmount(App, { target: document.getElementById('app') });\n";
        extra.push(("main.js".into(), main.into()));
    }
    generator::write_files(dir, &extra).map_err(|e| e.to_string())
}

/// `eghact build --release --json DIR` in a new process: its wall time and report.
fn release(dir: &Path) -> Result<(f64, serde_json::Value), String> {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .args(["build", "--release", "--json"])
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run eghact: {e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("eghact printed no report ({e}): {}", String::from_utf8_lossy(&output.stderr)))?;
    if !output.status.success() || report["errors"] != 0 {
        return Err(format!("eghact build --release failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok((ms, report))
}

fn bench_eghact(root: &Path, n: usize, iters: usize) -> Result<Eghact, String> {
    let dir = root.join(format!("egh-{n}"));
    write_app(&dir, n, Flavor::Egh)?;
    let (cold_ms, cold) = harness::best(iters, || {
        for own in [".eghact", "dist"] {
            let _ = std::fs::remove_dir_all(dir.join(own));
        }
        release(&dir)
    })?;
    let (warm_ms, warm) = harness::best(iters, || release(&dir))?;
    if warm["bundle"]["reused"] != true {
        return Err("the warm bundle was done again".into());
    }
    let (rebundle_ms, _) = harness::best(iters, || {
        let _ = std::fs::remove_file(dir.join(".eghact/bundle/bundle-record.json"));
        release(&dir)
    })?;
    Ok(Eghact {
        cold_ms,
        warm_ms,
        rebundle_ms,
        build_ms: cold["elapsedMs"].as_f64().unwrap_or(0.0),
        phases: cold["bundle"]["phases"].clone(),
        output: measure(&dir.join("dist")),
    })
}

struct Vite {
    versions: String,
    ms: f64,
    output: Output,
}

fn bench_vite(root: &Path, n: usize, iters: usize) -> Result<Option<Vite>, String> {
    let vite_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/vite");
    if harness::flag("EGHACT_BENCH_SKIP_VITE") {
        return Ok(None);
    }
    if !vite_dir.join("node_modules/vite").is_dir() {
        println!("vite: skipped; run `npm ci` in {} to compare (needs Node.js 20+)", vite_dir.display());
        return Ok(None);
    }
    let dir = root.join(format!("svelte-{n}"));
    write_app(&dir, n, Flavor::Svelte)?;
    #[cfg(unix)]
    if let Err(error) = std::os::unix::fs::symlink(vite_dir.join("node_modules"), dir.join("node_modules")) {
        if error.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(error.to_string());
        }
    }
    println!("vite: building the .svelte copy of {n} components...");
    let (ms, json) = harness::best(iters, || {
        let started = Instant::now();
        let output = Command::new("node")
            .arg(vite_dir.join("build.mjs"))
            .arg(&dir)
            .output()
            .map_err(|e| format!("cannot run node: {e}"))?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if !output.status.success() {
            return Err(format!("vite build failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| format!("vite printed no JSON: {e}"))?;
        Ok((ms, json))
    })?;
    let versions =
        format!("vite {} + vite-plugin-svelte {} + svelte {}", json["vite"], json["plugin"], json["svelte"]).replace('"', "");
    Ok(Some(Vite { versions, ms, output: measure(&dir.join("dist")) }))
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

fn report(n: usize, eghact: &Eghact) {
    let phase = |name: &str| eghact.phases[name].as_f64().unwrap_or(0.0);
    let out = eghact.output;
    println!(
        "eghact {n:>6} components: cold {:>8.1} ms (per-module build {:.1}, Rolldown {:.1}, styles and page {:.1}, write {:.1}), \
         warm {:>8.1} ms, re-bundle of cached modules {:>8.1} ms; JS {} in {} file(s), {} gzip; CSS {}",
        eghact.cold_ms,
        eghact.build_ms,
        phase("rolldownMs"),
        phase("assetsMs"),
        phase("writeMs"),
        eghact.warm_ms,
        eghact.rebundle_ms,
        kb(out.js_bytes),
        out.js_files,
        kb(out.js_gzip_bytes),
        kb(out.css_bytes)
    );
}

fn main() -> ExitCode {
    let sizes = harness::sizes("2000,10000");
    let iters = harness::number("EGHACT_BENCH_ITERS", 3).max(1);
    let vite_iters = harness::number("EGHACT_BENCH_VITE_ITERS", 1).max(1);
    // `EGHACT_BENCH_KEEP=DIR` writes the projects under DIR and keeps them, to profile one build.
    let temporary = match std::env::var_os("EGHACT_BENCH_KEEP") {
        Some(_) => None,
        None => match tempfile::tempdir() {
            Ok(root) => Some(root),
            Err(error) => {
                eprintln!("error: no temporary folder: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let root = match &temporary {
        Some(temporary) => temporary.path().to_path_buf(),
        None => PathBuf::from(std::env::var_os("EGHACT_BENCH_KEEP").unwrap_or_default()),
    };
    harness::sweep(
        &sizes,
        |n| {
            let figures = bench_eghact(&root, n, iters)?;
            report(n, &figures);
            Ok(figures)
        },
        |n, eghact| match bench_vite(&root, n, vite_iters) {
            Ok(Some(vite)) => {
                let out = vite.output;
                println!(
                    "{} {n:>6} components: {:>8.1} ms; JS {} in {} file(s), {} gzip; CSS {}",
                    vite.versions,
                    vite.ms,
                    kb(out.js_bytes),
                    out.js_files,
                    kb(out.js_gzip_bytes),
                    kb(out.css_bytes)
                );
                println!(
                    "at {n} components eghact is {:.1}x faster than Vite cold ({:.1}x warm); its JS is {:.2}x Vite's gzip size",
                    vite.ms / eghact.cold_ms,
                    vite.ms / eghact.warm_ms,
                    eghact.output.js_gzip_bytes as f64 / out.js_gzip_bytes.max(1) as f64
                );
            }
            Ok(None) => {}
            Err(error) => eprintln!("warning: {error}"),
        },
    )
}
