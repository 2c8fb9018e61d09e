//! A Remote Workers API bot ("eghact remote worker"): takes leases from a REAPI server's Bots
//! service (BuildGrid), runs any REAPI Action in a fresh directory and reports an ActionResult.
//!
//! One BotSession per slot (`<bot_id>-<slot>`, capacity 1 each): BuildGrid allows one session
//! per bot id, and a slot's long poll, heartbeats and lease reports then never wait on another
//! slot's work. Invariants: a lease is reported only after its outputs are in CAS; a running lease
//! is heartbeated well inside the session's expiry; a lease given up (shutdown, failure to set
//! up) goes back with a retryable status so the server requeues it; nothing from the server is
//! trusted as a path (names are checked before anything touches the disk); every process an
//! action starts is killed with its process group when the action ends, times out or is dropped.

use std::collections::HashMap;
use std::future::Future;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bazel_remote_apis::build::bazel::remote::execution::v2::{
    Action, ActionResult, Command, Digest, Directory, DirectoryNode, ExecutedActionMetadata, FileNode, OutputDirectory,
    OutputFile, OutputSymlink, SymlinkNode, Tree,
};
use googleapis_tonic_google_devtools_remoteworkers_v1test2::google::devtools::remoteworkers::v1test2 as bots;
use googleapis_tonic_google_devtools_remoteworkers_v1test2::google::rpc::Status;
use prost::Message as _;
use tokio::io::AsyncReadExt as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::action::DigestFunction;
use crate::reapi::ReapiClient;
use crate::{Endpoint, RemoteError, RemoteOptions};

/// Deadline of a long poll for work. BuildGrid waits 80 % of min(deadline, keepalive) and
/// assigns nothing below 3 s, so anything under 4 s would never get work.
const LONG_POLL: Duration = Duration::from_secs(30);
/// Deadline of CreateBotSession. BuildGrid long-polls that call too when its deadline allows
/// (4 s and more); below that it registers the session and answers at once, so the session's
/// name, which BOT_TERMINATING needs, is never lost to a shutdown in the middle of a long poll.
const CREATE_DEADLINE: Duration = Duration::from_secs(3);
/// Deadline of the calls on the way out, so a shutdown ends in seconds even with a slow server.
const SHUTDOWN_CALL: Duration = Duration::from_secs(5);
/// Bounds on the time between heartbeats of a running lease (a third of the session's expiry).
const MIN_HEARTBEAT: Duration = Duration::from_secs(1);
const MAX_HEARTBEAT: Duration = Duration::from_secs(10);
/// Longest wait between attempts while the server is away.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Input or output bytes held in memory at once while fetching or uploading.
const TRANSFER_CHUNK: usize = 64 << 20;
const TYPE_PREFIX: &str = "type.googleapis.com/";

pub struct WorkerOptions {
    /// Stable across restarts (e.g. `<hostname>-<index>`): slot `i` registers as `<bot_id>-<i>`,
    /// and a restarted worker's sessions replace its old ones, whose leases the server requeues.
    pub bot_id: String,
    /// Actions run at once, one BotSession each.
    pub capacity: usize,
    /// A fresh directory per action is made under it and removed afterwards.
    pub work_dir: PathBuf,
    /// Run commands under `unshare -n` (no network but loopback); without the privilege for it,
    /// commands run plainly after one warning.
    pub isolate_network: bool,
    pub options: RemoteOptions,
}

/// Runs until `shutdown` resolves; then gives running leases back to the server (which requeues
/// them) and sends BOT_TERMINATING. An error is a failure that retrying cannot fix (no Bots
/// service, no permission, an unusable work directory); a server that is away is waited for.
pub async fn run_worker(
    endpoint: &Endpoint,
    options: WorkerOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RemoteError> {
    std::fs::create_dir_all(&options.work_dir)
        .map_err(|source| RemoteError::Io { what: format!("cannot create {}", options.work_dir.display()), source })?;
    let client = ReapiClient::connect(endpoint, &options.options).await?;
    let isolation = if options.isolate_network { NetworkIsolation::probe().await } else { NetworkIsolation::None };
    let inputs = InputCache::open(&options.work_dir)?;
    let worker = Arc::new(Worker { client, work_dir: options.work_dir, isolation, inputs });
    let (stop, stopping) = watch::channel(false);
    let mut slots = JoinSet::new();
    for slot in 0..options.capacity.max(1) {
        slots.spawn(worker.clone().run_slot(format!("{}-{slot}", options.bot_id), stopping.clone()));
    }
    tokio::pin!(shutdown);
    let mut failure = None;
    loop {
        tokio::select! {
            () = &mut shutdown, if !*stop.borrow() => {
                let _ = stop.send(true);
            }
            joined = slots.join_next() => match joined {
                None => break,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(error))) => {
                    // What stops one slot for good (no Bots service, no permission) stops them all.
                    failure.get_or_insert(error);
                    let _ = stop.send(true);
                }
                Some(Err(panic)) => {
                    failure.get_or_insert(RemoteError::Protocol(format!("a worker slot ended abnormally: {panic}")));
                    let _ = stop.send(true);
                }
            },
        }
    }
    failure.map_or(Ok(()), Err)
}

fn warn(message: impl std::fmt::Display) {
    eprintln!("eghact worker: {message}");
}

/// Resolves once the worker is asked to stop (or its owner is gone).
fn stopped(stopping: &watch::Receiver<bool>) -> impl Future<Output = ()> + Send + 'static {
    let mut stopping = stopping.clone();
    async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    }
}

#[derive(Clone, Debug)]
enum NetworkIsolation {
    None,
    /// `unshare` with these flags before the command.
    Unshare(PathBuf, &'static [&'static str]),
}

impl NetworkIsolation {
    /// `unshare -n` as root; `unshare -r -n` (a user namespace) otherwise; else none, once warned.
    async fn probe() -> Self {
        let unshare = ["/usr/bin/unshare", "/bin/unshare"].into_iter().map(PathBuf::from).find(|path| path.exists());
        let Some(unshare) = unshare else {
            warn("`unshare` (util-linux) not found: actions run with network access");
            return NetworkIsolation::None;
        };
        let flags: [&'static [&'static str]; 2] = [&["-n"], &["-r", "-n"]];
        for flags in flags {
            let status = tokio::process::Command::new(&unshare)
                .args(flags)
                .args(["--", "/bin/true"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await;
            if status.is_ok_and(|status| status.success()) {
                return NetworkIsolation::Unshare(unshare, flags);
            }
        }
        warn("`unshare -n` is not permitted here: actions run with network access");
        NetworkIsolation::None
    }
}

struct Worker {
    client: ReapiClient,
    work_dir: PathBuf,
    isolation: NetworkIsolation,
    inputs: InputCache,
}

/// Input files this worker fetched before, by digest: consecutive actions of one build share
/// most inputs (the sources, the `eghact` binary), which are then hard-linked into the action's
/// folder instead of fetched again (copied where a link is impossible). Kept files are
/// read-only, with the executable bit as the inputs need it (one kept file per digest and bit).
/// Emptied when the worker starts; bounded by size (past it, nothing more is kept); files are
/// written whole and renamed, so a link never sees half a file.
struct InputCache {
    dir: PathBuf,
    kept: std::sync::atomic::AtomicU64,
}

/// Bytes of inputs a worker keeps.
const INPUT_CACHE_BYTES: u64 = 2 << 30;

impl InputCache {
    /// A hidden folder of the work folder, so that it is on the same disk as the actions.
    fn open(work_dir: &Path) -> Result<Self, RemoteError> {
        let dir = work_dir.join(".inputs");
        let error = |source| RemoteError::Io { what: format!("cannot prepare {}", dir.display()), source };
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(error(e)),
            _ => {}
        }
        std::fs::create_dir_all(&dir).map_err(error)?;
        Ok(Self { dir, kept: std::sync::atomic::AtomicU64::new(0) })
    }

    fn path(dir: &Path, digest: &Digest, executable: bool) -> PathBuf {
        dir.join(format!("{}-{}{}", digest.hash, digest.size_bytes, if executable { "-x" } else { "" }))
    }

    /// Puts the kept inputs at their places (`digest`, path, executable), all in one blocking
    /// task; answers, for each, whether it was kept.
    async fn place(&self, places: Vec<(Digest, PathBuf, bool)>) -> Vec<bool> {
        let dir = self.dir.clone();
        let placed = tokio::task::spawn_blocking(move || {
            places
                .iter()
                .map(|(digest, to, executable)| {
                    let kept = Self::path(&dir, digest, *executable);
                    std::fs::hard_link(&kept, to).is_ok() || std::fs::copy(&kept, to).is_ok()
                })
                .collect()
        });
        placed.await.unwrap_or_default()
    }

    /// Keeps `data` (already verified against `digest`) while there is room.
    async fn keep(&self, digest: &Digest, data: &[u8], executable: bool) {
        let size = data.len() as u64;
        let kept = self.kept.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
        if kept + size > INPUT_CACHE_BYTES {
            self.kept.fetch_sub(size, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        let path = Self::path(&self.dir, digest, executable);
        let temporary = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
        let mode = if executable { 0o555 } else { 0o444 };
        let written = tokio::fs::write(&temporary, data).await.is_ok()
            && tokio::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(mode)).await.is_ok()
            && tokio::fs::rename(&temporary, &path).await.is_ok();
        if !written {
            let _ = tokio::fs::remove_file(&temporary).await;
        }
    }
}

/// How an UpdateBotSession round ended.
enum Sync {
    Updated(bots::BotSession),
    /// The worker is stopping; the call was abandoned.
    Stopped,
    /// The server no longer accepts this session (expired, replaced): start a new one.
    Lost(RemoteError),
}

/// A failure that ends a lease without a result, with the status the server gets. Retryable
/// codes (`UNAVAILABLE`, `INTERNAL`) make BuildGrid requeue the action.
#[derive(Debug)]
struct LeaseFailure {
    code: tonic::Code,
    message: String,
}

impl LeaseFailure {
    fn new(code: tonic::Code, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    fn io(what: impl std::fmt::Display, error: std::io::Error) -> Self {
        Self::new(tonic::Code::Internal, format!("{what}: {error}"))
    }

    fn remote(error: RemoteError) -> Self {
        let code = if error.is_transient() { tonic::Code::Unavailable } else { tonic::Code::Internal };
        Self::new(code, error.to_string())
    }
}

impl Worker {
    async fn run_slot(self: Arc<Self>, bot_id: String, stopping: watch::Receiver<bool>) -> Result<(), RemoteError> {
        let mut backoff = Backoff::new(&self.client);
        'session: loop {
            let Some(mut session) = self.create_session(&bot_id, &stopping).await? else { return Ok(()) };
            loop {
                if *stopping.borrow() {
                    self.terminate(session).await;
                    return Ok(());
                }
                if let Some(index) = session.leases.iter().position(|lease| is_open(lease.state)) {
                    let lease = session.leases.remove(index);
                    if let Some(done) = self.work_on(&bot_id, &mut session, lease, &stopping).await {
                        session.leases.push(done);
                    }
                }
                match self.sync(&session, &stopping).await {
                    Sync::Updated(updated) => {
                        session = updated;
                        backoff.reset();
                    }
                    Sync::Stopped => {}
                    Sync::Lost(error) => {
                        warn(format!("{bot_id}: the server dropped the session ({error}); starting a new one"));
                        backoff.wait().await;
                        continue 'session;
                    }
                }
            }
        }
    }

    fn bots(&self) -> bots::bots_client::BotsClient<tonic::transport::Channel> {
        bots::bots_client::BotsClient::new(self.client.channel())
    }

    /// `None` when the worker stopped while waiting for the server to come back.
    async fn create_session(
        &self,
        bot_id: &str,
        stopping: &watch::Receiver<bool>,
    ) -> Result<Option<bots::BotSession>, RemoteError> {
        let property = |key: &str, value: &str| bots::device::Property { key: key.into(), value: value.into() };
        let isa = match std::env::consts::ARCH {
            "x86_64" => "x86-64",
            "aarch64" => "arm-a64",
            other => other,
        };
        let session = bots::BotSession {
            bot_id: bot_id.to_string(),
            status: bots::BotStatus::Ok as i32,
            worker: Some(bots::Worker {
                devices: vec![bots::Device {
                    handle: bot_id.to_string(),
                    properties: vec![property("OSFamily", std::env::consts::OS), property("ISA", isa)],
                }],
                configs: vec![bots::worker::Config { key: "capacity".into(), value: "1".into() }],
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut backoff = Backoff::new(&self.client);
        loop {
            let request =
                bots::CreateBotSessionRequest { parent: self.client.instance().to_string(), bot_session: Some(session.clone()) };
            // Not abandoned on shutdown: the call is short, and a session registered without our
            // knowing its name would stay open (and be given work) until it expires.
            let reply = self.bots().create_bot_session(self.client.request_with_deadline(request, CREATE_DEADLINE)).await;
            match reply {
                Ok(reply) => return Ok(Some(reply.into_inner())),
                Err(status) => {
                    let error = RemoteError::grpc("CreateBotSession", status);
                    if !error.is_transient() {
                        return Err(error);
                    }
                    warn(format!("{bot_id}: {error}; trying again"));
                }
            }
            tokio::select! {
                () = backoff.wait() => {}
                () = stopped(stopping) => return Ok(None),
            }
        }
    }

    /// One UpdateBotSession, with the partial ExecutedActionMetadata of a running lease if any.
    async fn update(
        &self,
        session: &bots::BotSession,
        deadline: Duration,
        partial: Option<(&str, &ExecutedActionMetadata)>,
    ) -> Result<bots::BotSession, RemoteError> {
        let request =
            bots::UpdateBotSessionRequest { name: session.name.clone(), bot_session: Some(session.clone()), update_mask: None };
        let mut request = self.client.request_with_deadline(request, deadline);
        // BuildGrid reads the phases of running leases from these headers.
        if let Some((lease, metadata)) = partial
            && let Ok(key) =
                tonic::metadata::BinaryMetadataKey::from_bytes(format!("partial-execution-metadata-{lease}-bin").as_bytes())
        {
            request.metadata_mut().insert_bin(key, tonic::metadata::BinaryMetadataValue::from_bytes(&metadata.encode_to_vec()));
        }
        self.bots()
            .update_bot_session(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| RemoteError::grpc("UpdateBotSession", s))
    }

    /// Reports the session, retrying while the server is away. Every UpdateBotSession may be a
    /// long poll: BuildGrid holds the call while the session has room for a lease and nothing
    /// changed, and answers at once otherwise.
    async fn sync(&self, session: &bots::BotSession, stopping: &watch::Receiver<bool>) -> Sync {
        let mut backoff = Backoff::new(&self.client);
        loop {
            let reply = tokio::select! {
                reply = self.update(session, LONG_POLL, None) => reply,
                () = stopped(stopping) => return Sync::Stopped,
            };
            match reply {
                Ok(updated) => return Sync::Updated(updated),
                Err(error) if !error.is_transient() => return Sync::Lost(error),
                Err(_) => {}
            }
            tokio::select! {
                () = backoff.wait() => {}
                () = stopped(stopping) => return Sync::Stopped,
            }
        }
    }

    /// BOT_TERMINATING, with the leases this slot still holds given back (retryable status), so
    /// the server requeues them at once instead of after the session's expiry.
    async fn terminate(&self, mut session: bots::BotSession) {
        session.status = bots::BotStatus::BotTerminating as i32;
        for _ in 0..3 {
            for lease in session.leases.iter_mut().filter(|lease| is_open(lease.state)) {
                give_back(lease, "the worker is shutting down");
            }
            match self.update(&session, SHUTDOWN_CALL, None).await {
                // A lease assigned while the last long poll was abandoned comes back here: give it back too.
                Ok(updated) if updated.leases.iter().any(|lease| is_open(lease.state)) => {
                    session = updated;
                    session.status = bots::BotStatus::BotTerminating as i32;
                }
                Ok(_) => return,
                Err(error) => {
                    warn(format!("{}: could not report BOT_TERMINATING: {error}", session.bot_id));
                    return;
                }
            }
        }
    }

    /// Runs one lease to its end, heartbeating the session meanwhile. The COMPLETED lease to
    /// report, or `None` when the server cancelled it or forgot the session.
    async fn work_on(
        &self,
        bot_id: &str,
        session: &mut bots::BotSession,
        mut lease: bots::Lease,
        stopping: &watch::Receiver<bool>,
    ) -> Option<bots::Lease> {
        if lease.state == bots::LeaseState::Pending as i32 {
            // Accept it (a server that hands out PENDING leases waits for ACTIVE); BuildGrid's arrive ACTIVE.
            lease.state = bots::LeaseState::Active as i32;
            session.leases.push(lease.clone());
            let accepted = self.update(session, LONG_POLL, None).await;
            session.leases.retain(|held| held.id != lease.id);
            match accepted {
                Ok(updated) if holds(&updated, &lease.id) => *session = updated,
                Ok(_) => return None,
                Err(error) => {
                    warn(format!("{bot_id}: could not accept lease {}: {error}", lease.id));
                    return None;
                }
            }
            session.leases.retain(|held| held.id != lease.id);
        }
        let progress = Arc::new(Mutex::new(ExecutedActionMetadata {
            worker: bot_id.to_string(),
            worker_start_timestamp: Some(now()),
            ..Default::default()
        }));
        let assigned = lease.clone();
        let run = self.run_lease(bot_id, &assigned, &progress);
        let heartbeats = async {
            let mut failures = 0;
            loop {
                tokio::time::sleep(heartbeat_interval(session)).await;
                let partial = progress.lock().map(|metadata| metadata.clone()).unwrap_or_default();
                let mut beat = session.clone();
                beat.leases.push(assigned.clone());
                match self.update(&beat, LONG_POLL, Some((&assigned.id, &partial))).await {
                    Ok(updated) if holds(&updated, &assigned.id) => {
                        failures = 0;
                        *session = updated;
                        session.leases.retain(|held| held.id != assigned.id);
                    }
                    // Cancelled (the client went away, another worker finished it): stop the command.
                    Ok(_) => return,
                    Err(error) if error.is_transient() => {
                        failures += 1;
                        if failures == 3 {
                            warn(format!("{bot_id}: heartbeats fail ({error}); the lease may be requeued"));
                        }
                    }
                    Err(error) => {
                        warn(format!("{bot_id}: lease {} lost: {error}", assigned.id));
                        return;
                    }
                }
            }
        };
        let (result, status) = tokio::select! {
            outcome = run => outcome,
            () = heartbeats => return None,
            () = stopped(stopping) => {
                give_back(&mut lease, "the worker is shutting down");
                return Some(lease);
            }
        };
        lease.state = bots::LeaseState::Completed as i32;
        lease.result = result.map(|result| prost_types::Any {
            type_url: format!("{TYPE_PREFIX}build.bazel.remote.execution.v2.ActionResult"),
            value: result.encode_to_vec(),
        });
        lease.status = Some(status);
        Some(lease)
    }

    /// Fetches, runs and uploads one lease's action in a directory of its own, removed afterwards.
    async fn run_lease(
        &self,
        bot_id: &str,
        lease: &bots::Lease,
        progress: &Mutex<ExecutedActionMetadata>,
    ) -> (Option<ActionResult>, Status) {
        let mut root = ActionDir(Some(self.work_dir.join(format!("{bot_id}-{}", uuid::Uuid::new_v4()))));
        let outcome = match self.action_of(lease).await {
            Ok(action) => self.run_action(&action, root.path(), progress).await,
            Err(failure) => Err(failure),
        };
        if let Some(path) = root.0.take() {
            remove_tree(path).await;
        }
        match outcome {
            Ok((result, status)) => (Some(result), status),
            Err(failure) => (None, Status { code: failure.code as i32, message: failure.message, details: Vec::new() }),
        }
    }

    /// The lease's Action: BuildGrid packs the Action itself, or its Digest in CAS.
    async fn action_of(&self, lease: &bots::Lease) -> Result<Action, LeaseFailure> {
        let payload =
            lease.payload.as_ref().ok_or_else(|| LeaseFailure::new(tonic::Code::InvalidArgument, "a lease without a payload"))?;
        let invalid =
            |what: &str, error: prost::DecodeError| LeaseFailure::new(tonic::Code::InvalidArgument, format!("{what}: {error}"));
        match payload.type_url.strip_prefix(TYPE_PREFIX).unwrap_or(&payload.type_url) {
            "build.bazel.remote.execution.v2.Action" => {
                Action::decode(payload.value.as_slice()).map_err(|e| invalid("lease payload", e))
            }
            "build.bazel.remote.execution.v2.Digest" => {
                let digest = Digest::decode(payload.value.as_slice()).map_err(|e| invalid("lease payload", e))?;
                let data = self.fetch_one(&digest, "the Action").await?;
                Action::decode(data.as_slice()).map_err(|e| invalid("the Action", e))
            }
            other => Err(LeaseFailure::new(tonic::Code::InvalidArgument, format!("a lease payload of type {other}"))),
        }
    }

    async fn fetch_one(&self, digest: &Digest, what: &str) -> Result<Vec<u8>, LeaseFailure> {
        if digest.size_bytes == 0 {
            return Ok(Vec::new());
        }
        let mut found = self.client.read(std::slice::from_ref(digest)).await.map_err(LeaseFailure::remote)?;
        found.remove(&digest.hash).ok_or_else(|| missing(what, digest))
    }

    async fn run_action(
        &self,
        action: &Action,
        root: &Path,
        progress: &Mutex<ExecutedActionMetadata>,
    ) -> Result<(ActionResult, Status), LeaseFailure> {
        let phase = |set: fn(&mut ExecutedActionMetadata)| {
            if let Ok(mut metadata) = progress.lock() {
                set(&mut metadata);
            }
        };
        phase(|m| m.input_fetch_start_timestamp = Some(now()));
        let command_digest =
            action.command_digest.as_ref().ok_or_else(|| LeaseFailure::new(tonic::Code::InvalidArgument, "no command digest"))?;
        let command = Command::decode(self.fetch_one(command_digest, "the Command").await?.as_slice())
            .map_err(|e| LeaseFailure::new(tonic::Code::InvalidArgument, format!("the Command: {e}")))?;
        let input_root = action.input_root_digest.clone().unwrap_or_else(|| self.client.digest_function().digest(&[]));
        self.fetch_inputs(&input_root, root).await?;
        phase(|m| m.input_fetch_completed_timestamp = Some(now()));

        let working = root.join(relative(&command.working_directory)?);
        create_dirs(&working).await?;
        let outputs = Outputs::of(&command)?;
        for (path, _) in &outputs.paths {
            if let Some(parent) = working.join(path).parent() {
                create_dirs(parent).await?;
            }
        }

        phase(|m| m.execution_start_timestamp = Some(now()));
        let run = self.run_command(&command, &working, action_timeout(action)).await?;
        phase(|m| m.execution_completed_timestamp = Some(now()));

        phase(|m| m.output_upload_start_timestamp = Some(now()));
        let mut result = self.upload_outputs(&outputs, &working, run.stdout, run.stderr).await?;
        result.exit_code = run.exit_code;
        phase(|m| m.output_upload_completed_timestamp = Some(now()));
        let mut metadata = progress.lock().map(|metadata| metadata.clone()).unwrap_or_default();
        metadata.worker_completed_timestamp = Some(now());
        result.execution_metadata = Some(metadata);
        let status = match run.timed_out {
            Some(limit) => Status {
                code: tonic::Code::DeadlineExceeded as i32,
                message: format!("the action ran longer than its timeout of {limit:?} and was killed"),
                details: Vec::new(),
            },
            None => Status::default(),
        };
        Ok((result, status))
    }

    /// Materialises the input root under `root`, directory by directory, files in bounded chunks.
    async fn fetch_inputs(&self, input_root: &Digest, root: &Path) -> Result<(), LeaseFailure> {
        let mut level = vec![(root.to_path_buf(), input_root.clone())];
        let mut files: Vec<(PathBuf, Digest, bool)> = Vec::new();
        while !level.is_empty() {
            let wanted: Vec<Digest> = distinct(level.iter().map(|(_, digest)| digest));
            let found = self.client.read(&wanted).await.map_err(LeaseFailure::remote)?;
            let mut next = Vec::new();
            for (path, digest) in level {
                let data = match found.get(&digest.hash) {
                    Some(data) => data.as_slice(),
                    None if digest.size_bytes == 0 => &[],
                    None => return Err(missing("an input directory", &digest)),
                };
                let directory = Directory::decode(data).map_err(|e| {
                    LeaseFailure::new(tonic::Code::InvalidArgument, format!("input directory {}: {e}", digest.hash))
                })?;
                create_dirs(&path).await?;
                for file in directory.files {
                    let digest =
                        file.digest.ok_or_else(|| LeaseFailure::new(tonic::Code::InvalidArgument, "a file without a digest"))?;
                    files.push((path.join(name(&file.name)?), digest, file.is_executable));
                }
                for child in directory.directories {
                    let digest = child
                        .digest
                        .ok_or_else(|| LeaseFailure::new(tonic::Code::InvalidArgument, "a directory without a digest"))?;
                    next.push((path.join(name(&child.name)?), digest));
                }
                for link in directory.symlinks {
                    let at = path.join(name(&link.name)?);
                    tokio::fs::symlink(&link.target, &at)
                        .await
                        .map_err(|e| LeaseFailure::io(format!("symlink {}", at.display()), e))?;
                }
            }
            level = next;
        }
        let mut by_digest: HashMap<String, Vec<(PathBuf, bool)>> = HashMap::new();
        let mut digests = Vec::new();
        for (path, digest, executable) in files {
            let places = by_digest.entry(digest.hash.clone()).or_default();
            if places.is_empty() {
                digests.push(digest);
            }
            places.push((path, executable));
        }
        // Inputs fetched for an earlier action come from the worker's cache.
        let places: Vec<(Digest, PathBuf, bool)> = digests
            .iter()
            .filter(|digest| digest.size_bytes > 0)
            .flat_map(|digest| {
                let places = by_digest.get(&digest.hash).into_iter().flatten();
                places.map(|(path, executable)| (digest.clone(), path.clone(), *executable))
            })
            .collect();
        let placed = self.inputs.place(places.clone()).await;
        let mut missing_places: HashMap<String, Vec<(PathBuf, bool)>> = HashMap::new();
        for ((digest, path, executable), placed) in places.into_iter().zip(placed.into_iter().chain(std::iter::repeat(false))) {
            if !placed {
                missing_places.entry(digest.hash).or_default().push((path, executable));
            }
        }
        let to_fetch: Vec<Digest> =
            digests.into_iter().filter(|digest| digest.size_bytes == 0 || missing_places.contains_key(&digest.hash)).collect();
        for chunk in chunks(to_fetch, |digest| usize::try_from(digest.size_bytes).unwrap_or(usize::MAX)) {
            let wanted: Vec<Digest> = chunk.iter().filter(|digest| digest.size_bytes > 0).cloned().collect();
            let found = self.client.read(&wanted).await.map_err(LeaseFailure::remote)?;
            for digest in chunk {
                let data = match found.get(&digest.hash) {
                    Some(data) => data.as_slice(),
                    None if digest.size_bytes == 0 => &[],
                    None => return Err(missing("an input file", &digest)),
                };
                let places = if digest.size_bytes == 0 { by_digest.get(&digest.hash) } else { missing_places.get(&digest.hash) };
                for (path, executable) in places.into_iter().flatten() {
                    if !data.is_empty() {
                        self.inputs.keep(&digest, data, *executable).await;
                    }
                    tokio::fs::write(path, data).await.map_err(|e| LeaseFailure::io(format!("write {}", path.display()), e))?;
                    if *executable {
                        set_executable(path).await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn run_command(
        &self,
        command: &Command,
        working: &Path,
        timeout: Option<Duration>,
    ) -> Result<CommandRun, LeaseFailure> {
        let Some(program) = command.arguments.first() else {
            return Err(LeaseFailure::new(tonic::Code::InvalidArgument, "a Command without arguments"));
        };
        // REAPI: a path with a separator is relative to the working directory; a bare name is looked
        // up in the action's own PATH (std does that with the environment it is given).
        let program = if program.contains('/') { working.join(program).into_os_string() } else { program.into() };
        let mut process = match &self.isolation {
            NetworkIsolation::None => tokio::process::Command::new(&program),
            NetworkIsolation::Unshare(unshare, flags) => {
                let mut process = tokio::process::Command::new(unshare);
                process.args(*flags).arg("--").arg(&program);
                process
            }
        };
        process
            .args(&command.arguments[1..])
            .current_dir(working)
            .env_clear()
            .envs(command.environment_variables.iter().map(|variable| (&variable.name, &variable.value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = process.spawn().map_err(|error| {
            LeaseFailure::new(tonic::Code::InvalidArgument, format!("cannot start {}: {error}", program.to_string_lossy()))
        })?;
        let group = ProcessGroup(child.id().and_then(|pid| i32::try_from(pid).ok()));
        let stdout = read_all(child.stdout.take());
        let stderr = read_all(child.stderr.take());
        let (status, timed_out) = match timeout {
            Some(limit) => match tokio::time::timeout(limit, child.wait()).await {
                Ok(status) => (status, None),
                Err(_) => {
                    group.kill();
                    (child.wait().await, Some(limit))
                }
            },
            None => (child.wait().await, None),
        };
        // Whatever the command left running in the background would hold stdout open.
        group.kill();
        let status = status.map_err(|e| LeaseFailure::io("wait for the command", e))?;
        let exit_code = status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        Ok(CommandRun {
            exit_code,
            stdout: stdout.await.unwrap_or_default(),
            stderr: stderr.await.unwrap_or_default(),
            timed_out,
        })
    }

    /// Uploads the outputs that exist (a missing output is not an error in REAPI), stdout and
    /// stderr, and returns the ActionResult that names them.
    async fn upload_outputs(
        &self,
        outputs: &Outputs,
        working: &Path,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    ) -> Result<ActionResult, LeaseFailure> {
        let function = self.client.digest_function();
        let mut upload = Upload::default();
        let mut result = ActionResult::default();
        for (path, kind) in &outputs.paths {
            let full = working.join(path);
            let metadata = match tokio::fs::symlink_metadata(&full).await {
                Ok(metadata) => metadata,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(LeaseFailure::io(format!("output {path}"), error)),
            };
            if metadata.file_type().is_symlink() {
                let target = tokio::fs::read_link(&full).await.map_err(|e| LeaseFailure::io(format!("output {path}"), e))?;
                let symlink =
                    OutputSymlink { path: path.clone(), target: target.to_string_lossy().into_owned(), ..Default::default() };
                // The per-list fields are deprecated, but clients older than REAPI 2.1 read only them.
                #[allow(deprecated)]
                match kind {
                    OutputKind::File => result.output_file_symlinks.push(symlink.clone()),
                    OutputKind::Directory => result.output_directory_symlinks.push(symlink.clone()),
                    OutputKind::Path => {}
                }
                result.output_symlinks.push(symlink);
            } else if metadata.is_dir() {
                let walked = tokio::task::spawn_blocking(move || walk_tree(function, &full))
                    .await
                    .map_err(|e| LeaseFailure::new(tonic::Code::Internal, e.to_string()))??;
                let root_digest =
                    function.digest(&walked.tree.root.as_ref().map(|root| root.encode_to_vec()).unwrap_or_default());
                let tree = walked.tree.encode_to_vec();
                let tree_digest = function.digest(&tree);
                upload.memory.push((tree_digest.clone(), tree));
                upload.memory.extend(walked.directories);
                upload.files.extend(walked.files);
                result.output_directories.push(OutputDirectory {
                    path: path.clone(),
                    tree_digest: Some(tree_digest),
                    root_directory_digest: Some(root_digest),
                    ..Default::default()
                });
            } else if metadata.is_file() {
                let digest = hash_file(function, &full).await?;
                upload.files.push((digest.clone(), full));
                let is_executable = metadata.mode() & 0o111 != 0;
                result.output_files.push(OutputFile {
                    path: path.clone(),
                    digest: Some(digest),
                    is_executable,
                    ..Default::default()
                });
            }
        }
        let stdout_digest = function.digest(&stdout);
        let stderr_digest = function.digest(&stderr);
        upload.memory.push((stdout_digest.clone(), stdout));
        upload.memory.push((stderr_digest.clone(), stderr));
        result.stdout_digest = Some(stdout_digest);
        result.stderr_digest = Some(stderr_digest);
        self.upload(upload).await?;
        Ok(result)
    }

    /// Uploads what CAS lacks, reading files only then and holding a bounded amount at once.
    async fn upload(&self, upload: Upload) -> Result<(), LeaseFailure> {
        let mut sources: HashMap<String, Source> = HashMap::new();
        let mut digests = Vec::new();
        for (digest, data) in upload.memory {
            if digest.size_bytes > 0 && !sources.contains_key(&digest.hash) {
                sources.insert(digest.hash.clone(), Source::Memory(data));
                digests.push(digest);
            }
        }
        for (digest, path) in upload.files {
            if digest.size_bytes > 0 && !sources.contains_key(&digest.hash) {
                sources.insert(digest.hash.clone(), Source::File(path));
                digests.push(digest);
            }
        }
        let missing = self.client.find_missing(&digests).await.map_err(LeaseFailure::remote)?;
        for chunk in chunks(missing, |digest| usize::try_from(digest.size_bytes).unwrap_or(usize::MAX)) {
            let mut blobs: Vec<(Digest, Vec<u8>)> = Vec::with_capacity(chunk.len());
            for digest in chunk {
                let data = match sources.remove(&digest.hash) {
                    Some(Source::Memory(data)) => data,
                    Some(Source::File(path)) => {
                        let data =
                            tokio::fs::read(&path).await.map_err(|e| LeaseFailure::io(format!("read {}", path.display()), e))?;
                        if self.client.digest_function().digest(&data) != digest {
                            return Err(LeaseFailure::new(
                                tonic::Code::Internal,
                                format!("{} changed while uploading", path.display()),
                            ));
                        }
                        data
                    }
                    // The server named a blob we did not ask about.
                    None => continue,
                };
                blobs.push((digest, data));
            }
            let borrowed: Vec<(Digest, &[u8])> = blobs.iter().map(|(digest, data)| (digest.clone(), data.as_slice())).collect();
            self.client.upload(&borrowed).await.map_err(LeaseFailure::remote)?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Upload {
    memory: Vec<(Digest, Vec<u8>)>,
    files: Vec<(Digest, PathBuf)>,
}

enum Source {
    Memory(Vec<u8>),
    File(PathBuf),
}

struct CommandRun {
    exit_code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// The limit it exceeded, when it was killed for it.
    timed_out: Option<Duration>,
}

/// Which list of the Command an output came from (symlinks are reported per list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputKind {
    Path,
    File,
    Directory,
}

struct Outputs {
    /// Relative to the working directory, checked.
    paths: Vec<(String, OutputKind)>,
}

impl Outputs {
    /// `output_paths` (REAPI 2.1) when given, else the older `output_files` and `output_directories`.
    #[allow(deprecated)] // the older fields, which clients before REAPI 2.1 send
    fn of(command: &Command) -> Result<Self, LeaseFailure> {
        let paths: Vec<(String, OutputKind)> = if command.output_paths.is_empty() {
            let files = command.output_files.iter().map(|path| (path.clone(), OutputKind::File));
            files.chain(command.output_directories.iter().map(|path| (path.clone(), OutputKind::Directory))).collect()
        } else {
            command.output_paths.iter().map(|path| (path.clone(), OutputKind::Path)).collect()
        };
        for (path, _) in &paths {
            relative(path)?;
        }
        Ok(Self { paths })
    }
}

/// Kills a command's whole process group: on timeout, after it exits (what it left in the
/// background), and when the lease is dropped mid-run.
struct ProcessGroup(Option<i32>);

impl ProcessGroup {
    fn kill(&self) {
        if let Some(pgid) = self.0.filter(|pgid| *pgid > 1) {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours. The group was
            // made for this command (process_group(0)), so -pgid names only its processes.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

fn read_all(pipe: Option<impl tokio::io::AsyncRead + Unpin + Send + 'static>) -> tokio::task::JoinHandle<Vec<u8>> {
    tokio::spawn(async move {
        let mut data = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut data).await;
        }
        data
    })
}

struct WalkedTree {
    tree: Tree,
    /// Encoded Directory messages of the tree (children and root).
    directories: Vec<(Digest, Vec<u8>)>,
    files: Vec<(Digest, PathBuf)>,
}

/// The REAPI Tree of an output directory: every Directory sorted by name, children distinct.
fn walk_tree(function: DigestFunction, root: &Path) -> Result<WalkedTree, LeaseFailure> {
    fn walk(
        function: DigestFunction,
        dir: &Path,
        walked: &mut WalkedTree,
        children: &mut Vec<Directory>,
    ) -> Result<Directory, LeaseFailure> {
        let io = |error| LeaseFailure::io(format!("output {}", dir.display()), error);
        let mut directory = Directory::default();
        let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                return Err(LeaseFailure::new(tonic::Code::Internal, format!("output {} is not UTF-8", path.display())));
            };
            let metadata = std::fs::symlink_metadata(&path).map_err(io)?;
            if metadata.file_type().is_symlink() {
                let target = std::fs::read_link(&path).map_err(io)?.to_string_lossy().into_owned();
                directory.symlinks.push(SymlinkNode { name, target, ..Default::default() });
            } else if metadata.is_dir() {
                let child = walk(function, &path, walked, children)?;
                let encoded = child.encode_to_vec();
                let digest = function.digest(&encoded);
                if !walked.directories.iter().any(|(known, _)| *known == digest) {
                    walked.directories.push((digest.clone(), encoded));
                    children.push(child);
                }
                directory.directories.push(DirectoryNode { name, digest: Some(digest) });
            } else if metadata.is_file() {
                let data = std::fs::read(&path).map_err(io)?;
                let digest = function.digest(&data);
                walked.files.push((digest.clone(), path));
                directory.files.push(FileNode {
                    name,
                    digest: Some(digest),
                    is_executable: metadata.mode() & 0o111 != 0,
                    ..Default::default()
                });
            }
        }
        Ok(directory)
    }
    let mut walked = WalkedTree { tree: Tree::default(), directories: Vec::new(), files: Vec::new() };
    let mut children = Vec::new();
    let root_directory = walk(function, root, &mut walked, &mut children)?;
    let encoded = root_directory.encode_to_vec();
    walked.directories.push((function.digest(&encoded), encoded));
    walked.tree = Tree { root: Some(root_directory), children };
    Ok(walked)
}

async fn hash_file(function: DigestFunction, path: &Path) -> Result<Digest, LeaseFailure> {
    let data = tokio::fs::read(path).await.map_err(|e| LeaseFailure::io(format!("read {}", path.display()), e))?;
    Ok(function.digest(&data))
}

/// An action's directory. Removed after the lease (off the runtime's threads), or here, at once,
/// when the lease is abandoned mid-run (shutdown, a cancelled lease).
struct ActionDir(Option<PathBuf>);

impl ActionDir {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }
}

impl Drop for ActionDir {
    fn drop(&mut self) {
        if let Some(path) = self.0.take()
            && let Err(message) = remove_tree_now(&path)
        {
            warn(message);
        }
    }
}

async fn remove_tree(root: PathBuf) {
    match tokio::task::spawn_blocking(move || remove_tree_now(&root)).await {
        Ok(Ok(())) => {}
        Ok(Err(message)) => warn(message),
        Err(error) => warn(format!("cleaning up failed: {error}")),
    }
}

/// Removes a directory, also when the command left read-only directories in it.
fn remove_tree_now(root: &Path) -> Result<(), String> {
    if std::fs::remove_dir_all(root).is_ok() || !root.exists() {
        return Ok(());
    }
    fn writable(path: &Path) {
        if let Ok(metadata) = std::fs::symlink_metadata(path)
            && metadata.is_dir()
        {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
            for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
                writable(&entry.path());
            }
        }
    }
    writable(root);
    std::fs::remove_dir_all(root).map_err(|error| format!("cannot remove {}: {error}", root.display()))
}

async fn create_dirs(path: &Path) -> Result<(), LeaseFailure> {
    tokio::fs::create_dir_all(path).await.map_err(|e| LeaseFailure::io(format!("create {}", path.display()), e))
}

/// One name in a Directory: never a path, never `.` or `..`.
fn name(name: &str) -> Result<&str, LeaseFailure> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(LeaseFailure::new(tonic::Code::InvalidArgument, format!("invalid name {name:?} in the input root")));
    }
    Ok(name)
}

/// A relative path that stays inside the input root (no `..`, not absolute).
fn relative(path: &str) -> Result<PathBuf, LeaseFailure> {
    let candidate = Path::new(path);
    if path.contains('\0')
        || !candidate.components().all(|component| matches!(component, Component::Normal(_) | Component::CurDir))
    {
        return Err(LeaseFailure::new(tonic::Code::InvalidArgument, format!("path {path:?} leaves the input root")));
    }
    Ok(candidate.to_path_buf())
}

fn missing(what: &str, digest: &Digest) -> LeaseFailure {
    // REAPI: a missing input is FAILED_PRECONDITION, so the client uploads it and tries again.
    LeaseFailure::new(tonic::Code::FailedPrecondition, format!("{what} ({}/{}) is not in CAS", digest.hash, digest.size_bytes))
}

fn distinct<'a>(digests: impl Iterator<Item = &'a Digest>) -> Vec<Digest> {
    let mut seen = Vec::new();
    for digest in digests {
        if !seen.contains(digest) {
            seen.push(digest.clone());
        }
    }
    seen
}

/// Groups items into runs of at most [`TRANSFER_CHUNK`] bytes (one larger item alone).
fn chunks<T>(items: Vec<T>, size: impl Fn(&T) -> usize) -> Vec<Vec<T>> {
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut used = usize::MAX;
    for item in items {
        let bytes = size(&item);
        if used.saturating_add(bytes) > TRANSFER_CHUNK {
            chunks.push(Vec::new());
            used = 0;
        }
        used = used.saturating_add(bytes);
        if let Some(chunk) = chunks.last_mut() {
            chunk.push(item);
        }
    }
    chunks
}

async fn set_executable(path: &Path) -> Result<(), LeaseFailure> {
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .await
        .map_err(|e| LeaseFailure::io(format!("chmod {}", path.display()), e))
}

fn action_timeout(action: &Action) -> Option<Duration> {
    let timeout = action.timeout.as_ref()?;
    let seconds = u64::try_from(timeout.seconds).ok()?;
    let nanos = u32::try_from(timeout.nanos).ok()?;
    Some(Duration::new(seconds, nanos)).filter(|limit| !limit.is_zero())
}

fn is_open(state: i32) -> bool {
    state == bots::LeaseState::Pending as i32 || state == bots::LeaseState::Active as i32
}

fn holds(session: &bots::BotSession, lease: &str) -> bool {
    session.leases.iter().any(|held| held.id == lease && is_open(held.state))
}

/// Marks a lease done with a retryable status, so the server runs its action elsewhere.
fn give_back(lease: &mut bots::Lease, why: &str) {
    lease.state = bots::LeaseState::Completed as i32;
    lease.result = None;
    lease.status = Some(Status { code: tonic::Code::Unavailable as i32, message: why.to_string(), details: Vec::new() });
}

/// A third of what is left of the session's expiry, within bounds.
fn heartbeat_interval(session: &bots::BotSession) -> Duration {
    let left = session.expire_time.as_ref().and_then(|expiry| {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).ok()?;
        let expiry = Duration::new(u64::try_from(expiry.seconds).ok()?, u32::try_from(expiry.nanos).ok()?);
        expiry.checked_sub(now)
    });
    left.map_or(MAX_HEARTBEAT, |left| left / 3).clamp(MIN_HEARTBEAT, MAX_HEARTBEAT)
}

fn now() -> bazel_remote_apis::google::protobuf::Timestamp {
    let since = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    bazel_remote_apis::google::protobuf::Timestamp {
        seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(since.subsec_nanos()).unwrap_or(0),
    }
}

/// Exponential waits while a server is away.
struct Backoff {
    initial: Duration,
    next: Duration,
}

impl Backoff {
    fn new(client: &ReapiClient) -> Self {
        let initial = client.retry_policy().initial_delay.max(Duration::from_millis(50));
        Self { initial, next: initial }
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(MAX_BACKOFF);
    }

    fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn inputs_kept_by_one_action_are_placed_for_the_next_and_a_restart_forgets_them() {
        let work = tempfile::tempdir().unwrap();
        let cache = InputCache::open(work.path()).unwrap();
        let data = b"the eghact binary";
        let digest = DigestFunction::Sha256.digest(data);
        let action = work.path().join("action-1");
        std::fs::create_dir_all(&action).unwrap();
        let place = |name: &str, executable: bool| vec![(digest.clone(), action.join(name), executable)];
        assert_eq!(cache.place(place("eghact", true)).await, [false], "nothing kept yet");
        cache.keep(&digest, data, true).await;
        assert_eq!(cache.place(place("eghact", true)).await, [true]);
        assert_eq!(std::fs::read(action.join("eghact")).unwrap(), data);
        assert!(std::fs::metadata(action.join("eghact")).unwrap().permissions().mode() & 0o111 != 0);
        // A kept file is read-only, and kept per executable bit.
        assert!(std::fs::metadata(action.join("eghact")).unwrap().permissions().readonly());
        assert_eq!(cache.place(place("plain", false)).await, [false]);
        let restarted = InputCache::open(work.path()).unwrap();
        assert_eq!(restarted.place(place("again", true)).await, [false]);
    }

    #[test]
    fn names_and_paths_from_the_server_cannot_leave_the_root() {
        for bad in ["", ".", "..", "a/b", "a\0"] {
            assert!(name(bad).is_err(), "{bad:?}");
        }
        assert!(name("a.txt").is_ok());
        for bad in ["../x", "/etc/passwd", "a/../../b"] {
            assert!(relative(bad).is_err(), "{bad:?}");
        }
        assert_eq!(relative("out/a.txt").unwrap(), PathBuf::from("out/a.txt"));
        assert_eq!(relative("").unwrap(), PathBuf::new());
    }

    #[test]
    fn output_directories_become_sorted_trees_with_distinct_children() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["b", "a"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("same.txt"), b"same").unwrap();
        }
        std::fs::write(dir.path().join("z.sh"), b"#!/bin/sh").unwrap();
        std::fs::set_permissions(dir.path().join("z.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("z.sh", dir.path().join("link")).unwrap();
        let walked = walk_tree(DigestFunction::Sha256, dir.path()).unwrap();
        let root = walked.tree.root.unwrap();
        let names: Vec<_> = root.directories.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(walked.tree.children.len(), 1, "identical subdirectories are one child");
        assert!(root.files[0].is_executable);
        assert_eq!(root.symlinks[0].target, "z.sh");
        assert_eq!(walked.files.len(), 3);
    }

    #[test]
    fn transfers_are_chunked() {
        let sizes = vec![TRANSFER_CHUNK / 2, TRANSFER_CHUNK / 2, 1, TRANSFER_CHUNK * 2, 5];
        let grouped = chunks(sizes, |size| *size);
        assert_eq!(grouped.len(), 4, "{:?}", grouped.iter().map(Vec::len).collect::<Vec<_>>());
    }
}
