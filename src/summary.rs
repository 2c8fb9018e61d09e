//! The `--summary FILE` report: per file its cache state, key and key inputs, and for a
//! rebuilt file what changed since the last build; per image its cache state, key, written
//! variants or error; totals, hit rates per tier, time per phase and a histogram of compile
//! times. Its shape is docs/schemas/summary.schema.json.

use eghact_builder::{BuildReport, CacheState, peak_memory_kib};
use serde_json::{Value, json};

/// Upper bounds (ms) of the compile-time histogram's buckets; the last one is open.
const BUCKETS_MS: [f64; 8] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 50.0];

pub fn summary(report: &BuildReport) -> Value {
    let count = |state| report.count_state(state);
    let hits: usize = report.files.iter().filter(|f| matches!(f.cache, CacheState::Hit(_))).count();
    let lookups = hits + count(CacheState::Miss);
    let mut histogram: Vec<usize> = vec![0; BUCKETS_MS.len() + 1];
    for ms in report.files.iter().filter_map(|f| f.compile_ms) {
        histogram[BUCKETS_MS.iter().position(|bound| ms <= *bound).unwrap_or(BUCKETS_MS.len())] += 1;
    }
    let buckets: Vec<Value> =
        histogram.iter().enumerate().map(|(i, n)| json!({ "leMs": BUCKETS_MS.get(i), "count": n })).collect();
    let tiers: Vec<Value> = report
        .tiers
        .iter()
        .map(|t| json!({ "tier": t.tier, "hits": t.hits, "misses": t.misses, "hitRate": t.hit_rate() }))
        .collect();
    let image_count = |state| report.images.iter().filter(|i| i.cache == state).count();
    json!({
        "version": 1,
        "totals": {
            "components": report.files.len(),
            "unchanged": count(CacheState::Unchanged),
            "hits": hits,
            "misses": count(CacheState::Miss),
            "remote": count(CacheState::Remote),
            "hitRate": (lookups > 0).then(|| hits as f64 / lookups as f64),
            "copied": report.copied,
            "images": {
                "total": report.images.len(),
                "unchanged": image_count(CacheState::Unchanged),
                "hits": report.images.iter().filter(|i| matches!(i.cache, CacheState::Hit(_))).count(),
                "processed": image_count(CacheState::Miss),
                "failed": report.images.iter().filter(|i| i.error.is_some()).count(),
            },
            "errors": report.errors(),
            "warnings": report.warnings(),
        },
        "tiers": tiers,
        "phases": report.phases,
        "compileTimeHistogram": buckets,
        "files": report.files,
        "images": report.images,
        "cacheWarnings": report.warnings,
        "peakMemoryKib": peak_memory_kib(),
    })
}
