//! The remote cache end to end: the real `eghact` binary on two clean checkouts of one
//! generated project, each with its own local cache, sharing a remote one (BuildGrid over REAPI,
//! and nginx as a Bazel HTTP cache, and a BuildGrid behind TLS with a private CA and tokens).
//! Needs `scripts/remote-cluster/up.sh` (run by scripts/test.sh).

mod common;
#[path = "../benches/generator/mod.rs"]
mod generator;

use std::fs;
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use common::outputs;
use serde_json::Value;

const COMPONENTS: usize = 40;

fn reapi_url() -> String {
    std::env::var("EGHACT_TEST_REAPI").unwrap_or_else(|_| "grpc://127.0.0.1:50071".into())
}

fn http_url() -> String {
    std::env::var("EGHACT_TEST_HTTP_CACHE").unwrap_or_else(|_| "http://127.0.0.1:18071/cache".into())
}

fn secure_url() -> String {
    std::env::var("EGHACT_TEST_SECURE_REAPI").unwrap_or_else(|_| "grpcs://127.0.0.1:50073".into())
}

/// A file up.sh made for the secure server: the test CA, the token.
fn cluster_file(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable).map(PathBuf::from).unwrap_or_else(|| {
        let root = std::env::var_os("EGHACT_CLUSTER_DIR").unwrap_or_else(|| "/tmp/eghact-remote-cluster".into());
        PathBuf::from(root).join("secure").join(name)
    })
}

fn require_service(url: &str) {
    let address = url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap();
    let reachable = address
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok());
    assert!(reachable, "no service at {url}: start the test services with scripts/remote-cluster/up.sh (scripts/test.sh does)");
}

/// A generated project; `config` is its eghact.toml. Every run's keys are new (the run id is a
/// key input), so a hit can only come from this run's first build.
fn checkout(dir: &Path, config: &str) {
    for (path, source) in generator::generate(COMPONENTS, generator::Flavor::Egh, 7) {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, source).unwrap();
    }
    fs::write(dir.join("eghact.toml"), format!("[cache]\nenv = [\"EGHACT_TEST_RUN\"]\n{config}")).unwrap();
}

fn run_id() -> String {
    format!("{}-{:?}", std::process::id(), SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos())
}

fn build(dir: &Path, run: &str, args: &[&str], env: &[(&str, &str)]) -> (Output, Value) {
    let summary = dir.join("summary.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_eghact"));
    command.arg("build").arg(dir).arg("--summary").arg(&summary).args(args).env("EGHACT_TEST_RUN", run);
    for variable in ["EGHACT_REMOTE_ENDPOINT", "EGHACT_REMOTE_TOKEN", "EGHACT_REMOTE_CA"] {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (output, serde_json::from_slice(&fs::read(summary).unwrap()).unwrap())
}

fn tier(summary: &Value, name: &str) -> (u64, u64) {
    let tier = summary["tiers"].as_array().unwrap().iter().find(|t| t["tier"] == name).unwrap_or_else(|| panic!("{summary}"));
    (tier["hits"].as_u64().unwrap(), tier["misses"].as_u64().unwrap())
}

/// The first checkout compiles everything and uploads; the second finds all of it remotely.
fn second_checkout_hits_everything(first: (&str, &[&str], &[(&str, &str)]), second: (&str, &[&str], &[(&str, &str)])) {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let run = run_id();
    checkout(a.path(), first.0);
    checkout(b.path(), second.0);

    let (_, cold) = build(a.path(), &run, first.1, first.2);
    assert_eq!(cold["totals"]["misses"], COMPONENTS, "{}", cold["totals"]);
    assert_eq!(tier(&cold, "remote"), (0, COMPONENTS as u64));

    let (output, warm) = build(b.path(), &run, second.1, second.2);
    assert_eq!(warm["totals"]["hits"], COMPONENTS, "{}\n{}", warm["totals"], String::from_utf8_lossy(&output.stderr));
    assert_eq!(warm["totals"]["misses"], 0);
    assert_eq!(tier(&warm, "remote"), (COMPONENTS as u64, 0), "100 % remote hits");
    assert!(warm["files"].as_array().unwrap().iter().all(|f| f["state"] == "hit" && f["tier"] == "remote"));
    assert!(warm["cacheWarnings"].as_array().unwrap().is_empty(), "{}", warm["cacheWarnings"]);
    let (built, restored) = (outputs(a.path()), outputs(b.path()));
    assert!(built.len() > COMPONENTS);
    assert!(built == restored, "byte-identical outputs");
}

#[test]
fn a_second_checkout_builds_from_reapi_with_all_hits() {
    require_service(&reapi_url());
    let url = reapi_url();
    let dead = format!("grpc://127.0.0.1:{}", free_port());
    // The flag beats the variable and the config file, which point at nothing.
    let config = format!("[remote]\nendpoint = \"{dead}\"\n");
    second_checkout_hits_everything(
        ("", &["--remote-endpoint", &url], &[]),
        (&config, &["--remote-endpoint", &url], &[("EGHACT_REMOTE_ENDPOINT", &dead)]),
    );
}

#[test]
fn a_second_checkout_builds_from_the_http_cache_with_all_hits() {
    require_service(&http_url());
    let url = http_url();
    // The first checkout names the cache in eghact.toml; the second through the variable.
    let config = format!("[remote]\nendpoint = \"{url}\"\n");
    second_checkout_hits_everything((&config, &[], &[]), ("", &[], &[("EGHACT_REMOTE_ENDPOINT", &url)]));
}

#[test]
fn a_second_checkout_builds_from_a_tls_server_with_a_private_ca_and_a_token() {
    let url = secure_url();
    require_service(&url);
    let ca = cluster_file("EGHACT_TEST_CA", "ca.pem").display().to_string();
    let token = fs::read_to_string(cluster_file("EGHACT_TEST_TOKEN_FILE", "token")).unwrap().trim().to_string();
    let env = [("EGHACT_REMOTE_CA", ca.as_str()), ("EGHACT_REMOTE_TOKEN", token.as_str())];
    // The variable beats `[remote] ca_cert`, which names a file that does not exist.
    let config = format!("[remote]\nendpoint = \"{url}\"\nca_cert = \"missing-ca.pem\"\n");
    second_checkout_hits_everything(("", &["--remote-endpoint", &url], &env), (&config, &[], &env));
}

/// `[remote] ca_cert` is relative to the project; a file that is not there is one warning that
/// names it (and never the token), and a local build.
#[test]
fn an_unreadable_ca_file_warns_once_and_the_build_completes_locally() {
    let dir = tempfile::tempdir().unwrap();
    checkout(dir.path(), "[remote]\nca_cert = \"certs/missing.pem\"\n");
    let env = [("EGHACT_REMOTE_TOKEN", "a-token-never-shown")];
    let (output, summary) = build(dir.path(), &run_id(), &["--remote-endpoint", &secure_url()], &env);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("warning: remote cache").count(), 1, "{stderr}");
    assert!(stderr.contains(&dir.path().join("certs/missing.pem").display().to_string()), "{stderr}");
    assert!(!stderr.contains("a-token-never-shown"), "{stderr}");
    assert_eq!(summary["totals"]["misses"], COMPONENTS);
    assert!(summary["tiers"].as_array().unwrap().iter().all(|t| t["tier"] != "remote"));
}

#[test]
fn an_upload_false_checkout_reads_but_never_writes() {
    require_service(&reapi_url());
    let dir = tempfile::tempdir().unwrap();
    let run = run_id();
    checkout(dir.path(), &format!("[remote]\nendpoint = \"{}\"\nupload = false\n", reapi_url()));
    build(dir.path(), &run, &[], &[]);
    fs::remove_dir_all(dir.path().join(".eghact")).unwrap();
    let (_, again) = build(dir.path(), &run, &[], &[]);
    assert_eq!(tier(&again, "remote"), (0, COMPONENTS as u64), "nothing was uploaded");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An unreachable cache, or a port that accepts connections and drops them: one warning, and a
/// complete local build.
#[test]
fn a_dead_remote_cache_warns_once_and_the_build_completes_locally() {
    let dropping = TcpListener::bind("127.0.0.1:0").unwrap();
    let dropping_port = dropping.local_addr().unwrap().port();
    std::thread::spawn(move || dropping.incoming().for_each(drop));
    for url in [
        format!("grpc://127.0.0.1:{}", free_port()),
        format!("grpc://127.0.0.1:{dropping_port}"),
        format!("http://127.0.0.1:{}", free_port()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        checkout(dir.path(), "");
        let (output, summary) = build(dir.path(), &run_id(), &["--remote-endpoint", &url], &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.matches("warning: remote cache").count(), 1, "{url}: {stderr}");
        assert_eq!(summary["totals"]["misses"], COMPONENTS, "{url}");
        assert!(summary["tiers"].as_array().unwrap().iter().all(|t| t["tier"] != "remote"));
        assert_eq!(
            outputs(dir.path()).iter().filter(|(p, _)| p.ends_with(".js") && p != "eghact-runtime.js").count(),
            COMPONENTS
        );
    }
}
