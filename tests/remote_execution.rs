//! Remote execution end to end: the real `eghact` binary builds generated projects with
//! `--remote always` on BuildGrid, whose actions run on two `eghact remote worker` processes
//! started here. Needs `scripts/remote-cluster/up.sh` (run by scripts/test.sh).

mod common;
#[path = "../benches/generator/mod.rs"]
mod generator;
#[path = "../crates/remote/tests/common/mod.rs"]
mod remote_common;

use std::fs;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::outputs;
use remote_common::{CuttableProxy, reapi_url, service};
use serde_json::Value;

/// A worker process, killed when dropped.
struct Worker {
    child: Child,
    work_dir: PathBuf,
}

impl Worker {
    fn start(server: &str, name: &str, parent: &Path) -> Self {
        let work_dir = parent.join(name);
        fs::create_dir_all(&work_dir).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_eghact"))
            .args(["remote", "worker", "--server", server, "--capacity", "1", "--bot-id", name, "--work-dir"])
            .arg(&work_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self { child, work_dir }
    }

    /// Whether an action is running here: it has a folder under the work dir (the hidden
    /// one is the worker's input cache).
    fn busy(&self) -> bool {
        fs::read_dir(&self.work_dir)
            .is_ok_and(|entries| entries.flatten().any(|entry| !entry.file_name().to_string_lossy().starts_with('.')))
    }
}

impl Worker {
    /// SIGTERM first, so that the worker says BOT_TERMINATING: a session left open would be
    /// given the next test's actions until it expires. Then SIGKILL after 5 s.
    fn terminate(&mut self) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && self.child.try_wait().is_ok_and(|status| status.is_none()) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// The tests of this file one at a time: BuildGrid gives an action to any idle worker, so
/// another test's workers could take the action a test watches for.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Two workers with names no other run uses (BuildGrid keeps bots by name).
fn two_workers(server: &str, parent: &Path, run: &str) -> [Worker; 2] {
    [Worker::start(server, &format!("test-{run}-a"), parent), Worker::start(server, &format!("test-{run}-b"), parent)]
}

fn run_id() -> String {
    format!("{}-{}", std::process::id(), SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos())
}

/// A generated project whose keys are new to the server (the run id is a key input).
fn checkout(dir: &Path, components: usize, batch_size: usize) {
    for (path, source) in generator::generate(components, generator::Flavor::Egh, 11) {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, source).unwrap();
    }
    // A queue timeout far beyond what the actions take on a busy machine: every action must
    // reach a worker, however long the ones before it keep the two workers.
    let config = format!("[cache]\nenv = [\"EGHACT_TEST_RUN\"]\n[remote]\nbatch_size = {batch_size}\nqueue_timeout_secs = 240\n");
    fs::write(dir.join("eghact.toml"), config).unwrap();
}

fn build_command(dir: &Path, run: &str, endpoint: &str, remote: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eghact"));
    command
        .arg("build")
        .arg(dir)
        .arg("--summary")
        .arg(dir.join("summary.json"))
        .args(["--remote-endpoint", endpoint, "--remote", remote])
        .env("EGHACT_TEST_RUN", run)
        .env_remove("EGHACT_REMOTE_ENDPOINT");
    command
}

fn finished(dir: &Path, output: Output) -> (String, Value) {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (stderr, serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap())
}

fn states(summary: &Value) -> Vec<String> {
    let mut states: Vec<String> =
        summary["files"].as_array().unwrap().iter().map(|f| f["state"].as_str().unwrap().to_string()).collect();
    states.dedup();
    states
}

/// The outputs of a build with nothing remote, to compare with.
fn local_outputs(parent: &Path, run: &str, components: usize) -> Vec<(String, Vec<u8>)> {
    let dir = parent.join("local");
    checkout(&dir, components, 1);
    let output = build_command(&dir, run, "grpc://127.0.0.1:1", "never").output().unwrap();
    assert!(output.status.success());
    outputs(&dir)
}

/// What every test here starts from: its turn, the server, a folder, a run id and two workers.
struct Cluster {
    _serial: std::sync::MutexGuard<'static, ()>,
    server: String,
    tmp: tempfile::TempDir,
    run: String,
    workers: [Worker; 2],
}

fn cluster() -> Cluster {
    let serial = one_at_a_time();
    let server = reapi_url();
    service(&server);
    let (tmp, run) = (tempfile::tempdir().unwrap(), run_id());
    let workers = two_workers(&server, tmp.path(), &run);
    Cluster { _serial: serial, server, tmp, run, workers }
}

/// A build of `dir` on `endpoint` with `--remote always`, running while the test acts.
fn spawn_build(dir: &Path, run: &str, endpoint: &str) -> Child {
    build_command(dir, run, endpoint, "always").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

#[test]
fn remote_always_compiles_on_the_workers_byte_identical_and_a_second_checkout_hits_all() {
    let Cluster { server, tmp, run, .. } = &cluster();

    let first = tmp.path().join("first");
    checkout(&first, 40, 10);
    let (stderr, summary) = finished(&first, build_command(&first, run, server, "always").output().unwrap());
    assert_eq!(states(&summary), ["remote"], "{stderr}\n{summary}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(outputs(&first), local_outputs(tmp.path(), run, 40), "byte-identical to a local build");

    // A clean checkout: everything from the remote cache, nothing executed.
    let second = tmp.path().join("second");
    checkout(&second, 40, 10);
    let (_, summary) = finished(&second, build_command(&second, run, server, "always").output().unwrap());
    assert_eq!(states(&summary), ["hit"], "{summary}");
    assert_eq!(outputs(&second), outputs(&first));
}

/// Waits until one of `workers` runs an action; its index.
fn busy_worker(workers: &[Worker], build: &mut Child, dir: &Path) -> usize {
    let started = Instant::now();
    loop {
        if let Some(i) = workers.iter().position(Worker::busy) {
            return i;
        }
        if build.try_wait().unwrap().is_some() {
            let mut stderr = String::new();
            let _ = std::io::Read::read_to_string(&mut build.stderr.take().unwrap(), &mut stderr);
            let summary = fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
            panic!("the build ended before any action ran here: {stderr}\n{}", &summary[..summary.len().min(3000)]);
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no worker took the action");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_worker_killed_mid_action_still_ends_in_a_complete_build() {
    let Cluster { server, tmp, run, workers, .. } = &mut cluster();
    let dir = tmp.path().join("project");
    // One action of 300 components: long enough to be killed while it runs.
    checkout(&dir, 300, 300);
    let mut build = spawn_build(&dir, run, server);
    let victim = busy_worker(workers, &mut build, &dir);
    workers[victim].child.kill().unwrap();
    let (_, summary) = finished(&dir, build.wait_with_output().unwrap());
    assert_eq!(summary["totals"]["components"], 300);
    assert_eq!(outputs(&dir), local_outputs(tmp.path(), run, 300));
}

#[test]
fn a_server_gone_mid_build_falls_back_to_local_work() {
    // The workers reach BuildGrid directly; the build goes through a proxy that dies.
    let Cluster { server, tmp, run, workers, .. } = &cluster();
    let proxy = CuttableProxy::start(server.trim_start_matches("grpc://").to_string());
    let dir = tmp.path().join("project");
    checkout(&dir, 300, 300);
    let endpoint = format!("grpc://127.0.0.1:{}", proxy.port);
    let mut build = spawn_build(&dir, run, &endpoint);
    busy_worker(workers, &mut build, &dir);
    proxy.cut();
    let (stderr, summary) = finished(&dir, build.wait_with_output().unwrap());
    assert!(stderr.contains("compiling them here") || stderr.contains("compiling here"), "{stderr}");
    assert_eq!(states(&summary), ["miss"], "{summary}");
    assert_eq!(outputs(&dir), local_outputs(tmp.path(), run, 300));
}

/// The lines a process writes to its standard error, as it writes them.
fn stderr_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let (send, lines) = std::sync::mpsc::channel();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

fn json_line(line: &str) -> Value {
    let event: Value = serde_json::from_str(line).unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}"));
    for field in ["timestamp", "level", "target", "message"] {
        assert!(event[field].is_string(), "no {field}: {line}");
    }
    event
}

#[test]
fn the_worker_logs_json_lines_for_collectors() {
    let _serial = one_at_a_time();
    let server = reapi_url();
    service(&server);
    let tmp = tempfile::tempdir().unwrap();
    let bot = format!("test-{}-logs", run_id());
    let child = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .args(["remote", "worker", "--server", &server, "--bot-id", &bot, "--log-format", "json", "--work-dir"])
        .arg(tmp.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut worker = Worker { child, work_dir: tmp.path().to_path_buf() };
    let lines = stderr_lines(&mut worker.child);
    let mut events = Vec::new();
    while !events.iter().any(|event: &Value| event["message"] == "registered") {
        let line = lines.recv_timeout(Duration::from_secs(60)).expect("the worker registers its slot");
        events.push(json_line(&line));
    }
    let status = worker.terminate().expect("the worker ends");
    events.extend(lines.iter().map(|line| json_line(&line)));
    assert!(status.success(), "{status:?}: {events:?}");
    let event = |message: &str| {
        events.iter().find(|event| event["message"] == message).unwrap_or_else(|| panic!("no {message:?} in {events:?}"))
    };
    let serving = event("serving");
    assert_eq!(
        (serving["level"].as_str(), serving["bot"].as_str(), serving["slots"].as_u64()),
        (Some("INFO"), Some(&*bot), Some(1))
    );
    assert_eq!(event("registered")["bot"], format!("{bot}-0"));
    event("shutting down: running leases go back to the server");
}

#[test]
fn a_worker_that_cannot_serve_says_why_in_its_log_format_and_rust_log_filters() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |rust_log: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_eghact"));
        command
            .args(["remote", "worker", "--server", "grpc://127.0.0.1:1", "--allow-unisolated", "--log-format", "json"])
            .arg("--work-dir")
            .arg(tmp.path());
        match rust_log {
            Some(filter) => command.env("RUST_LOG", filter),
            None => command.env_remove("RUST_LOG"),
        };
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8(output.stderr).unwrap()
    };
    let stderr = run(None);
    let last = json_line(stderr.lines().last().unwrap_or_default());
    assert_eq!((last["level"].as_str(), last["message"].as_str()), (Some("ERROR"), Some("the worker stopped")), "{stderr}");
    assert!(last["error"].as_str().is_some_and(|error| error.contains("cannot connect")), "{stderr}");
    assert_eq!(run(Some("off")), "");
}
