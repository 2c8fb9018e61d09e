//! The running process: its memory high-water mark and rayon's global pool.

use std::fs;

/// This process's high-water mark of resident memory in KiB (Linux; `None` elsewhere), for
/// build summaries and benchmarks.
pub fn peak_memory_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?.split_whitespace().next()?.parse().ok()
}

/// Starts rayon's global pool, which builds compile on, with [`THREAD_STACK`](eghact_syntax::stack::THREAD_STACK) per thread:
/// `threads` of them, or one per core.
pub fn start_rayon(threads: Option<usize>) -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(eghact_syntax::stack::THREAD_STACK)
        .build_global()
}
