//! What the size-sweeping benchmarks (`build`, `check`) share: their knobs and their loop.

use std::process::ExitCode;

/// `EGHACT_BENCH_SIZES` (comma-separated; 1,000 and 10,000 by default) and
/// `EGHACT_BENCH_ITERS` (3 by default).
pub fn knobs() -> (Vec<usize>, usize) {
    let sizes = std::env::var("EGHACT_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let iters = std::env::var("EGHACT_BENCH_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(3usize).max(1);
    (sizes, iters)
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

/// Runs `bench` for every size, then `compare` with the first size and its figure (the peer
/// comparison, which is slow, runs on the smallest project only).
pub fn sweep(sizes: &[usize], mut bench: impl FnMut(usize) -> Result<f64, String>, compare: impl FnOnce(usize, f64)) -> ExitCode {
    let mut first = None;
    for &n in sizes {
        match bench(n) {
            Ok(figure) => {
                first.get_or_insert((n, figure));
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some((n, figure)) = first {
        compare(n, figure);
    }
    ExitCode::SUCCESS
}
