//! What the size-sweeping benchmarks (`build`, `check`, `lsp`) share: their knobs and their loop.
//! Each benchmark compiles this module and uses a part of it.

#![allow(dead_code)]

use std::process::ExitCode;

/// `EGHACT_BENCH_SIZES` (comma-separated; 1,000 and 10,000 by default) and
/// `EGHACT_BENCH_ITERS` (3 by default).
pub fn knobs() -> (Vec<usize>, usize) {
    (sizes("1000,10000"), number("EGHACT_BENCH_ITERS", 3).max(1))
}

/// `EGHACT_BENCH_SIZES` (comma-separated), or `default` when it is unset.
pub fn sizes(default: &str) -> Vec<usize> {
    std::env::var("EGHACT_BENCH_SIZES")
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// A numeric knob: the variable `name`, or `default` when it is unset or not a number.
pub fn number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// A yes/no knob: set and not `0` or `false`.
pub fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// The fastest of `iters` runs, each giving its time in ms and what it measured.
pub fn best<T>(iters: usize, mut run: impl FnMut() -> Result<(f64, T), String>) -> Result<(f64, T), String> {
    let mut best: Option<(f64, T)> = None;
    for _ in 0..iters {
        let next = run()?;
        if best.as_ref().is_none_or(|b| next.0 < b.0) {
            best = Some(next);
        }
    }
    best.ok_or_else(|| "no run".into())
}

/// Runs `bench` for every size, then `compare` with the first size and its figures (the peer
/// comparison, which is slow, runs on the smallest project only).
pub fn sweep<T>(sizes: &[usize], mut bench: impl FnMut(usize) -> Result<T, String>, compare: impl FnOnce(usize, T)) -> ExitCode {
    let mut first = None;
    for &n in sizes {
        match bench(n) {
            Ok(figures) => {
                first.get_or_insert((n, figures));
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some((n, figures)) = first {
        compare(n, figures);
    }
    ExitCode::SUCCESS
}
