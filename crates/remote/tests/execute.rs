//! Remote execution against a real BuildGrid: the Execute client and an in-process worker.
//! Each test's worker has a bot id of its own that stays the same from run to run, so a session
//! a killed run left behind is replaced (and its leases requeued) when the test runs again.

mod common;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bazel_remote_apis::build::bazel::remote::execution::v2::{
    Action, ActionResult, Command, Digest, Directory, DirectoryNode, FileNode, SymlinkNode, Tree, command::EnvironmentVariable,
};
use bazel_remote_apis::google::protobuf::Duration as ProtoDuration;
use common::{CuttableProxy, TestWorker, reapi_url, service, unique_bytes};
use eghact_remote::execute::Stage;
use eghact_remote::reapi::ReapiClient;
use eghact_remote::{Endpoint, RemoteError, RemoteOptions};
use prost::Message as _;

const TEST_LIMIT: Duration = Duration::from_secs(120);
const EXECUTE_LIMIT: Duration = Duration::from_secs(60);

/// Fails the test instead of hanging it.
async fn bounded<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, test).await.expect("the test ran past its time limit")
}

async fn client() -> ReapiClient {
    ReapiClient::connect(&service(&reapi_url()), &RemoteOptions::default()).await.unwrap()
}

/// An action for `/bin/sh -c script`, with its blobs uploaded; unique, so never cached before.
struct Spec<'a> {
    script: &'a str,
    env: &'a [(&'a str, &'a str)],
    inputs: &'a [(&'a str, &'a [u8])],
    output_paths: &'a [&'a str],
    timeout: Option<Duration>,
}

async fn upload_action(client: &ReapiClient, spec: Spec<'_>) -> Digest {
    let f = client.digest_function();
    let mut blobs: Vec<(Digest, Vec<u8>)> = Vec::new();
    let mut inputs = spec.inputs.to_vec();
    inputs.sort_by_key(|(name, _)| *name);
    let mut root = Directory::default();
    for (name, data) in inputs {
        let digest = f.digest(data);
        root.files.push(FileNode { name: name.into(), digest: Some(digest.clone()), ..Default::default() });
        blobs.push((digest, data.to_vec()));
    }
    upload_with_root(client, spec, root, blobs).await
}

/// Like [`upload_action`], with an input root made by hand (its blobs, subdirectories included,
/// in `blobs`); `spec.inputs` is not read.
async fn upload_with_root(client: &ReapiClient, spec: Spec<'_>, root: Directory, mut blobs: Vec<(Digest, Vec<u8>)>) -> Digest {
    let f = client.digest_function();
    let command = Command {
        arguments: vec!["/bin/sh".into(), "-c".into(), spec.script.into()],
        environment_variables: spec
            .env
            .iter()
            .map(|(name, value)| EnvironmentVariable { name: (*name).into(), value: (*value).into() })
            .collect(),
        output_paths: spec.output_paths.iter().map(|path| (*path).into()).collect(),
        ..Default::default()
    };
    let action = Action {
        command_digest: Some(f.digest(&command.encode_to_vec())),
        input_root_digest: Some(f.digest(&root.encode_to_vec())),
        timeout: spec.timeout.map(|t| ProtoDuration { seconds: t.as_secs() as i64, nanos: t.subsec_nanos() as i32 }),
        salt: unique_bytes(16, "salt"),
        ..Default::default()
    };
    blobs.push((f.digest(&command.encode_to_vec()), command.encode_to_vec()));
    blobs.push((f.digest(&root.encode_to_vec()), root.encode_to_vec()));
    let action_digest = f.digest(&action.encode_to_vec());
    blobs.push((action_digest.clone(), action.encode_to_vec()));
    let borrowed: Vec<(Digest, &[u8])> = blobs.iter().map(|(d, data)| (d.clone(), data.as_slice())).collect();
    client.upload(&borrowed).await.unwrap();
    action_digest
}

async fn blob(client: &ReapiClient, digest: &Digest) -> Vec<u8> {
    if digest.size_bytes == 0 {
        return Vec::new();
    }
    client.read(std::slice::from_ref(digest)).await.unwrap().remove(&digest.hash).expect("the blob is in CAS")
}

fn output<'a>(result: &'a ActionResult, path: &str) -> &'a Digest {
    let file = result.output_files.iter().find(|file| file.path == path);
    file.and_then(|file| file.digest.as_ref()).unwrap_or_else(|| panic!("no output {path} in {result:?}"))
}

fn recorder() -> (Arc<Mutex<Vec<Stage>>>, impl FnMut(Stage) + Send) {
    let stages = Arc::new(Mutex::new(Vec::new()));
    let record = stages.clone();
    (stages, move |stage| record.lock().unwrap().push(stage))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_runs_on_the_worker_and_its_result_is_cached() {
    bounded(async {
        let worker = TestWorker::start("runs", 2);
        let client = client().await;
        let input = unique_bytes(3000, "input");
        let action = upload_action(
            &client,
            Spec {
                script: r#"mkdir -p out && printf %s "$GREETING" > out/a.txt && cat in.bin > out/b.bin \
                    && mkdir -p out/dir/sub && printf x > out/dir/sub/f && chmod +x out/dir/sub/f && echo done"#,
                env: &[("GREETING", "hello from the worker")],
                inputs: &[("in.bin", &input)],
                output_paths: &["out/a.txt", "out/b.bin", "out/dir", "out/absent"],
                timeout: None,
            },
        )
        .await;

        let (stages, on_stage) = recorder();
        let executed = client.execute(&action, false, EXECUTE_LIMIT, on_stage).await.unwrap();
        assert!(!executed.cached);
        let result = &executed.result;
        assert_eq!(result.exit_code, 0, "{result:?}");
        let f = client.digest_function();
        assert_eq!(*output(result, "out/a.txt"), f.digest(b"hello from the worker"));
        assert_eq!(blob(&client, output(result, "out/b.bin")).await, input);
        assert_eq!(blob(&client, result.stdout_digest.as_ref().unwrap()).await, b"done\n");
        assert_eq!(result.output_files.len(), 2, "a missing output is left out");

        let directory = &result.output_directories[0];
        assert_eq!(directory.path, "out/dir");
        let tree = Tree::decode(blob(&client, directory.tree_digest.as_ref().unwrap()).await.as_slice()).unwrap();
        let sub = &tree.children[0];
        assert_eq!((sub.files[0].name.as_str(), sub.files[0].is_executable), ("f", true));
        assert_eq!(blob(&client, sub.files[0].digest.as_ref().unwrap()).await, b"x");

        let metadata = result.execution_metadata.as_ref().unwrap();
        // Any test's worker may have run it: they all take work from the same queue.
        assert!(metadata.worker.starts_with("eghact-test-"), "{metadata:?}");
        for phase in [
            &metadata.worker_start_timestamp,
            &metadata.input_fetch_start_timestamp,
            &metadata.execution_start_timestamp,
            &metadata.execution_completed_timestamp,
            &metadata.output_upload_completed_timestamp,
        ] {
            assert!(phase.is_some(), "{metadata:?}");
        }

        let stages = stages.lock().unwrap().clone();
        assert_eq!(stages.last(), Some(&Stage::Completed), "{stages:?}");
        let order = [Stage::Queued, Stage::Executing, Stage::Completed];
        let positions: Vec<usize> = stages.iter().map(|s| order.iter().position(|o| o == s).unwrap()).collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "in order, once each: {stages:?}");

        // The worker's result went to the ActionCache: the same action again is served from it.
        let (stages, on_stage) = recorder();
        let again = client.execute(&action, false, EXECUTE_LIMIT, on_stage).await.unwrap();
        assert!(again.cached, "{again:?}");
        assert_eq!(again.result.output_files, executed.result.output_files);
        assert_eq!(stages.lock().unwrap().last(), Some(&Stage::Completed));

        assert!(worker.shut_down() < Duration::from_secs(5));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_zero_exit_code_is_a_result_not_an_error() {
    bounded(async {
        let worker = TestWorker::start("exit", 1);
        let client = client().await;
        let action = upload_action(
            &client,
            Spec { script: "echo broken >&2; exit 3", env: &[], inputs: &[], output_paths: &[], timeout: None },
        )
        .await;
        let executed = client.execute(&action, true, EXECUTE_LIMIT, |_| {}).await.unwrap();
        assert_eq!(executed.result.exit_code, 3);
        assert_eq!(blob(&client, executed.result.stderr_digest.as_ref().unwrap()).await, b"broken\n");
        worker.shut_down();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_past_its_timeout_is_killed() {
    bounded(async {
        // One slot: the quick action afterwards runs only if the killed one freed it.
        let worker = TestWorker::start("timeout", 1);
        let client = client().await;
        let spec = Spec {
            script: "sleep 30 & sleep 30",
            env: &[],
            inputs: &[],
            output_paths: &[],
            timeout: Some(Duration::from_secs(1)),
        };
        let action = upload_action(&client, spec).await;
        let started = Instant::now();
        let error = client.execute(&action, true, EXECUTE_LIMIT, |_| {}).await.unwrap_err();
        assert!(matches!(error, RemoteError::Execution { code: tonic::Code::DeadlineExceeded, .. }), "{error}");
        // Killed, not left to end by itself after 30 s.
        assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());

        let quick =
            upload_action(&client, Spec { script: "echo ok", env: &[], inputs: &[], output_paths: &[], timeout: None }).await;
        let executed = client.execute(&quick, true, EXECUTE_LIMIT, |_| {}).await.unwrap();
        assert_eq!(executed.result.exit_code, 0);
        worker.shut_down();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_ends_soon_after_shutdown() {
    bounded(async {
        let worker = TestWorker::start("shutdown", 2);
        let both_polling = worker.status.wait_for(|slots| slots.registered == 2 && slots.polling == 2);
        tokio::time::timeout(EXECUTE_LIMIT, both_polling).await.expect("both slots register and wait for work");
        // Shut down just as the long polls began: the server holds each for at least 3.2 s (80 %
        // of the shortest deadline, 4 s), so a worker that waited for them would take that long.
        let took = worker.shut_down();
        assert!(took < Duration::from_secs(2), "{took:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execute_stream_that_breaks_is_followed_with_wait_execution() {
    bounded(async {
        let worker = TestWorker::start("reconnect", 1);
        let upstream = service(&reapi_url()).url.trim_start_matches("http://").to_string();
        let proxy = CuttableProxy::start(upstream);
        let endpoint = Endpoint::parse(&format!("grpc://127.0.0.1:{}", proxy.port)).unwrap();
        let client = ReapiClient::connect(&endpoint, &RemoteOptions::default()).await.unwrap();
        let action = upload_action(
            &client,
            Spec { script: "sleep 3; echo late", env: &[], inputs: &[], output_paths: &[], timeout: None },
        )
        .await;
        let (stages, mut record) = recorder();
        // The connection is cut at the first stage the client hears: the operation then has a
        // name to follow, and the action (3 s) is still running.
        let first_stage = Arc::new(tokio::sync::Notify::new());
        let heard = first_stage.clone();
        let on_stage = move |stage| {
            record(stage);
            heard.notify_one();
        };
        let execute = client.execute(&action, true, EXECUTE_LIMIT, on_stage);
        let breaker = async {
            first_stage.notified().await;
            proxy.drop_connections();
        };
        let (executed, ()) = tokio::join!(execute, breaker);
        let executed = executed.unwrap();
        assert!(executed.resumed, "the result came through WaitExecution, not a second Execute: {executed:?}");
        assert_eq!(blob(&client, executed.result.stdout_digest.as_ref().unwrap()).await, b"late\n");
        assert_eq!(stages.lock().unwrap().last(), Some(&Stage::Completed));
        worker.shut_down();
    })
    .await;
}

/// The blob of an encoded Directory, and the node that names it.
fn directory_node(client: &ReapiClient, name: &str, directory: &Directory) -> (DirectoryNode, (Digest, Vec<u8>)) {
    let encoded = directory.encode_to_vec();
    let digest = client.digest_function().digest(&encoded);
    (DirectoryNode { name: name.into(), digest: Some(digest.clone()) }, (digest, encoded))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_root_with_a_link_out_is_refused_before_anything_is_written() {
    bounded(async {
        let worker = TestWorker::start("links", 1);
        let client = client().await;
        let outside = tempfile::tempdir().unwrap();
        let data = b"written through the link".to_vec();
        let file_digest = client.digest_function().digest(&data);
        // `d -> <outside>` and a directory also named `d` with a file: materialising `d/f` in that
        // order would write the file outside the action's folder.
        let child = Directory {
            files: vec![FileNode { name: "f".into(), digest: Some(file_digest.clone()), ..Default::default() }],
            ..Default::default()
        };
        let (node, child_blob) = directory_node(&client, "d", &child);
        let link = SymlinkNode { name: "d".into(), target: outside.path().display().to_string(), ..Default::default() };
        let twice = Directory { directories: vec![node], symlinks: vec![link], ..Default::default() };
        // A link alone whose target leaves the root.
        let escape = SymlinkNode { name: "up".into(), target: "../../../../..".into(), ..Default::default() };
        let alone = Directory { symlinks: vec![escape], ..Default::default() };
        for root in [twice, alone] {
            let spec = Spec { script: "ls -la; cat d/f up 2>&1", env: &[], inputs: &[], output_paths: &[], timeout: None };
            let action =
                upload_with_root(&client, spec, root, vec![child_blob.clone(), (file_digest.clone(), data.clone())]).await;
            let error = client.execute(&action, true, EXECUTE_LIMIT, |_| {}).await.unwrap_err();
            assert!(matches!(error, RemoteError::Execution { code: tonic::Code::InvalidArgument, .. }), "{error}");
        }
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing was written outside");
        worker.shut_down();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_behind_a_link_the_action_made_is_never_read() {
    bounded(async {
        let worker = TestWorker::start("output-links", 1);
        let client = client().await;
        // `out` replaced by a link to the host's /etc: the output `out/passwd` is the host's file.
        let spec =
            Spec { script: "rm -rf out && ln -s /etc out", env: &[], inputs: &[], output_paths: &["out/passwd"], timeout: None };
        let action = upload_action(&client, spec).await;
        let error = client.execute(&action, true, EXECUTE_LIMIT, |_| {}).await.unwrap_err();
        assert!(matches!(error, RemoteError::Execution { code: tonic::Code::InvalidArgument, .. }), "{error}");
        // A link as the output itself is reported as a link, its target unread.
        let spec = Spec { script: "ln -s /etc/passwd secret", env: &[], inputs: &[], output_paths: &["secret"], timeout: None };
        let executed = client.execute(&upload_action(&client, spec).await, true, EXECUTE_LIMIT, |_| {}).await.unwrap();
        assert!(executed.result.output_files.is_empty(), "{:?}", executed.result);
        assert_eq!(executed.result.output_symlinks[0].target, "/etc/passwd");
        worker.shut_down();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_that_changes_an_input_leaves_the_next_action_the_original_bytes() {
    bounded(async {
        // One slot, so that the second action runs where the first one kept its inputs.
        let worker = TestWorker::start("inputs-changed", 1);
        let client = client().await;
        let input = unique_bytes(5000, "kept input");
        let tamper = Spec {
            script: "chmod u+w in.bin && printf changed > in.bin && cat in.bin",
            env: &[],
            inputs: &[("in.bin", &input)],
            output_paths: &[],
            timeout: None,
        };
        let executed = client.execute(&upload_action(&client, tamper).await, true, EXECUTE_LIMIT, |_| {}).await.unwrap();
        assert_eq!(blob(&client, executed.result.stdout_digest.as_ref().unwrap()).await, b"changed");
        let read = Spec { script: "cat in.bin", env: &[], inputs: &[("in.bin", &input)], output_paths: &[], timeout: None };
        let executed = client.execute(&upload_action(&client, read).await, true, EXECUTE_LIMIT, |_| {}).await.unwrap();
        assert_eq!(blob(&client, executed.result.stdout_digest.as_ref().unwrap()).await, input);
        worker.shut_down();
    })
    .await;
}
