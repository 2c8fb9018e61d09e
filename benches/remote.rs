//! Remote benchmark against the local test cluster (BuildGrid 0.4.4 + PostgreSQL on loopback,
//! `scripts/remote-cluster/up.sh`), with two `eghact remote worker` processes started here.
//!
//! `cargo bench --bench remote` prints:
//! 1. the cache-hit round trip of one action (Execute answered from the ActionCache, and the
//!    remote cache tier's GetActionResult + blob read), p50 and p95 of `EGHACT_BENCH_SAMPLES`
//!    (default 100);
//! 2. queue-to-executing overhead of a trivial action on an idle worker: from Execute to the
//!    EXECUTING stage, and to the result;
//! 3. upload and download throughput of `EGHACT_BENCH_MB` (default 64) MiB of fresh blobs in
//!    1 MiB pieces (batches) and in 16 MiB pieces (ByteStream);
//! 4. a cold build of `EGHACT_BENCH_SIZES` (default 2,000) components in a new process, local
//!    (no endpoint) against remote (`--remote always`, batches of `[remote] batch_size`),
//!    best of `EGHACT_BENCH_ITERS` (default 3), keys new to the cluster in every run.
//!
//! On a 2-core machine the workers, BuildGrid, PostgreSQL and the build share the same two
//! cores: step 4 measures the overhead of going remote, not a speed-up.

#[path = "generator/mod.rs"]
mod generator;
mod harness;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bazel_remote_apis::build::bazel::remote::execution::v2::{Action, Command as ReapiCommand, Digest, Directory};
use eghact_builder::cache::{CacheEntry, CacheKey, CacheTier};
use eghact_remote::execute::Stage;
use eghact_remote::reapi::ReapiClient;
use eghact_remote::{Endpoint, RemoteCache, RemoteOptions};
use prost::Message as _;

fn endpoint() -> String {
    std::env::var("EGHACT_TEST_REAPI").unwrap_or_else(|_| "grpc://127.0.0.1:50071".into())
}

fn unique(salt: &str) -> String {
    format!(
        "{salt}-{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos()
    )
}

struct Workers {
    children: Vec<Child>,
    /// Their work folders, removed after them.
    _dir: tempfile::TempDir,
}

impl Workers {
    fn start(count: usize) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let run = unique("bench");
        let children = (0..count)
            .map(|i| {
                Command::new(env!("CARGO_BIN_EXE_eghact"))
                    .args(["remote", "worker", "--server", &endpoint(), "--capacity", "1", "--bot-id", &format!("{run}-{i}")])
                    .arg("--work-dir")
                    .arg(dir.path().join(i.to_string()))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        // Registration (CreateBotSession) takes a moment.
        std::thread::sleep(Duration::from_secs(2));
        Ok(Self { children, _dir: dir })
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.children {
            // SIGTERM: the worker says BOT_TERMINATING.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
        }
        for child in &mut self.children {
            let _ = child.wait();
        }
    }
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

/// A trivial action (`true`) made unique by its salt, uploaded.
async fn trivial_action(client: &ReapiClient, salt: &str) -> Result<Digest, String> {
    let f = client.digest_function();
    let command = ReapiCommand { arguments: vec!["/bin/true".into()], ..Default::default() }.encode_to_vec();
    let root = Directory::default().encode_to_vec();
    let action = Action {
        command_digest: Some(f.digest(&command)),
        input_root_digest: Some(f.digest(&root)),
        salt: salt.as_bytes().to_vec(),
        ..Default::default()
    }
    .encode_to_vec();
    let digest = f.digest(&action);
    let blobs =
        [(f.digest(&command), command.as_slice()), (f.digest(&root), root.as_slice()), (digest.clone(), action.as_slice())];
    client.upload(&blobs).await.map_err(|e| e.to_string())?;
    Ok(digest)
}

async fn round_trips(client: &ReapiClient, samples: usize) -> Result<(), String> {
    // 1. Cache hits: one action executed once, then asked for again and again.
    let action = trivial_action(client, &unique("hit")).await?;
    client.execute(&action, false, Duration::from_secs(60), |_| {}).await.map_err(|e| e.to_string())?;
    let mut hits = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        let executed = client.execute(&action, false, Duration::from_secs(60), |_| {}).await.map_err(|e| e.to_string())?;
        hits.push(started.elapsed().as_secs_f64() * 1000.0);
        if !executed.cached {
            return Err("the action was not served from the action cache".into());
        }
    }
    println!(
        "  {:<46} p50 {:>7.2} ms  p95 {:>7.2} ms  (target ≤50 ms)",
        "cache hit: Execute answered from the AC",
        percentile(&mut hits, 0.5),
        percentile(&mut hits, 0.95)
    );

    // 2. Queue to executing: new trivial actions on idle workers, one at a time.
    let (mut to_executing, mut to_result) = (Vec::new(), Vec::new());
    for i in 0..samples.min(30) {
        let action = trivial_action(client, &unique(&format!("queue{i}"))).await?;
        let started = Instant::now();
        let executing = Arc::new(Mutex::new(None));
        let seen = executing.clone();
        client
            .execute(&action, true, Duration::from_secs(60), move |stage| {
                if stage == Stage::Executing {
                    seen.lock().unwrap().get_or_insert(started.elapsed());
                }
            })
            .await
            .map_err(|e| e.to_string())?;
        to_result.push(started.elapsed().as_secs_f64() * 1000.0);
        if let Some(elapsed) = *executing.lock().unwrap() {
            to_executing.push(elapsed.as_secs_f64() * 1000.0);
        }
    }
    if to_executing.is_empty() {
        println!("  queue → executing: the server reported no EXECUTING stage");
    } else {
        println!(
            "  {:<46} p50 {:>7.2} ms  p95 {:>7.2} ms  (target ≤150 ms; {} of {} reported)",
            "queue → EXECUTING (idle worker)",
            percentile(&mut to_executing, 0.5),
            percentile(&mut to_executing, 0.95),
            to_executing.len(),
            to_result.len()
        );
    }
    println!(
        "  {:<46} p50 {:>7.2} ms  p95 {:>7.2} ms",
        "trivial action, Execute → result",
        percentile(&mut to_result, 0.5),
        percentile(&mut to_result, 0.95)
    );
    Ok(())
}

async fn throughput(client: &ReapiClient, megabytes: usize) -> Result<(), String> {
    let f = client.digest_function();
    for piece in [1usize << 20, 16 << 20] {
        let count = (megabytes << 20) / piece;
        let seed = unique("blob");
        let blobs: Vec<Vec<u8>> = (0..count)
            .map(|i| {
                let mut data = vec![0u8; piece];
                blake3::Hasher::new().update(format!("{seed}-{i}").as_bytes()).finalize_xof().fill(&mut data);
                data
            })
            .collect();
        let digests: Vec<Digest> = blobs.iter().map(|b| f.digest(b)).collect();
        let pairs: Vec<(Digest, &[u8])> = digests.iter().cloned().zip(blobs.iter().map(Vec::as_slice)).collect();
        let started = Instant::now();
        client.upload(&pairs).await.map_err(|e| e.to_string())?;
        let up = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let read = client.read(&digests).await.map_err(|e| e.to_string())?;
        let down = started.elapsed().as_secs_f64();
        if read.len() != count {
            return Err(format!("read {} of {count} blobs back", read.len()));
        }
        let total = (count * piece) as f64 / (1 << 20) as f64;
        println!(
            "  {:<46} up {:>7.1} MiB/s  down {:>7.1} MiB/s",
            format!("{total:.0} MiB in {} MiB blobs", piece >> 20),
            total / up,
            total / down
        );
    }
    Ok(())
}

/// The remote cache tier's hit: GetActionResult then the entry's blobs.
fn tier_hits(samples: usize) -> Result<(), String> {
    let endpoint = Endpoint::parse(&endpoint()).map_err(|e| e.to_string())?;
    let tier = RemoteCache::connect(&endpoint, &RemoteOptions::default()).map_err(|e| e.to_string())?;
    let key = CacheKey::from(*blake3::hash(unique("tier").as_bytes()).as_bytes());
    let entry = Arc::new(CacheEntry::new(vec![("js".into(), vec![b'x'; 4000]), ("map".into(), vec![b'y'; 3000])]));
    tier.put(&key, &entry).map_err(|e| e.to_string())?;
    if let Some((_, error)) = tier.flush().pop() {
        return Err(error.to_string());
    }
    let mut times = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        tier.get(&key).map_err(|e| e.to_string())?.ok_or("the entry is not in the remote cache")?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "  {:<46} p50 {:>7.2} ms  p95 {:>7.2} ms  (target ≤50 ms)",
        "cache hit: remote tier lookup (AC + blobs)",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95)
    );
    Ok(())
}

fn checkout(parent: &Path, name: &str, n: usize, batch_size: usize) -> Result<PathBuf, String> {
    let dir = parent.join(name);
    generator::write_project(&dir, n, generator::Flavor::Egh, 0xE6AC7).map_err(|e| e.to_string())?;
    let config =
        format!("[cache]\nenv = [\"EGHACT_BENCH_RUN\"]\n[remote]\nbatch_size = {batch_size}\nqueue_timeout_secs = 120\n");
    std::fs::write(dir.join("eghact.toml"), config).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// A cold build in a new process: with `remote` (`--remote always` on the cluster, its remote
/// cache included), or without any endpoint.
fn cold_build(dir: &Path, remote: bool) -> Result<(f64, serde_json::Value), String> {
    let summary = dir.join("summary.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_eghact"));
    command.arg("build").arg(dir).arg("--summary").arg(&summary).env("EGHACT_BENCH_RUN", unique("run"));
    command.env_remove("EGHACT_REMOTE_ENDPOINT");
    if remote {
        command.args(["--remote", "always", "--remote-endpoint", &endpoint()]);
    }
    let started = Instant::now();
    let output = command.output().map_err(|e| e.to_string())?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let summary = serde_json::from_slice(&std::fs::read(summary).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    Ok((ms, summary))
}

fn builds(n: usize, iters: usize, batch_size: usize) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut run = 0;
    let mut fresh = |remote: bool| {
        run += 1;
        let dir = checkout(tmp.path(), &format!("p{run}"), n, batch_size)?;
        let result = cold_build(&dir, remote);
        let _ = std::fs::remove_dir_all(&dir);
        result
    };
    let (local, _) = harness::best(iters, || fresh(false))?;
    let (remote, summary) = harness::best(iters, || fresh(true))?;
    let compiled_remotely = summary["totals"]["remote"].as_u64().unwrap_or(0);
    println!("  cold build of {n} components, new process, best of {iters}:");
    println!("    {:<44} {:>9.0} ms", "local (no remote endpoint)", local);
    println!(
        "    {:<44} {:>9.0} ms  ({compiled_remotely} compiled remotely in {} actions; remote ÷ local = {:.2})",
        format!("remote (--remote always, 2 workers, batch {batch_size})"),
        remote,
        n.div_ceil(batch_size),
        remote / local
    );
    Ok(())
}

fn main() -> ExitCode {
    let samples = harness::number("EGHACT_BENCH_SAMPLES", 100).max(1);
    let megabytes = harness::number("EGHACT_BENCH_MB", 64).max(16);
    let iters = harness::number("EGHACT_BENCH_ITERS", 3).max(1);
    let batch_size = harness::number("EGHACT_BENCH_BATCH", 250).max(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("eghact remote benchmark on {} ({cores} cores shared by the build, BuildGrid and 2 workers)", endpoint());
    let workers = match Workers::start(2) {
        Ok(workers) => workers,
        Err(error) => {
            eprintln!("error: cannot start the workers: {error}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let endpoint = Endpoint::parse(&endpoint()).map_err(|e| e.to_string())?;
        let client = ReapiClient::connect(&endpoint, &RemoteOptions::default())
            .await
            .map_err(|e| format!("{e}: start the cluster with scripts/remote-cluster/up.sh"))?;
        round_trips(&client, samples).await?;
        throughput(&client, megabytes).await
    });
    drop(runtime);
    let result = result.and_then(|()| tier_hits(samples));
    let result = result.and_then(|()| harness::sizes("2000").into_iter().try_for_each(|n| builds(n, iters, batch_size)));
    drop(workers);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
