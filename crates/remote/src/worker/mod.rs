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
//! Heartbeats run on a task of their own and the lease's file and hash work on blocking threads,
//! so an action's work never delays them.
//!
//! `inputs` materialises input roots (and keeps fetched inputs), `sandbox` runs commands (and
//! removes lease folders), `outputs` collects and uploads what they made, `limits` bounds what an
//! action uses, `failure` is how a lease ends without a result; none of them names this file. The worker reports through `tracing` events
//! (startup and leases at info, retries at warn, failures at error, each with its bot id); the
//! binary that runs it chooses where they go. [`WorkerStatus`] tells its owner what the slots do.

mod failure;
mod inputs;
mod limits;
mod outputs;
mod sandbox;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bazel_remote_apis::build::bazel::remote::execution::v2::{Action, ActionResult, Command, Digest, ExecutedActionMetadata};
use googleapis_tonic_google_devtools_remoteworkers_v1test2::google::devtools::remoteworkers::v1test2 as bots;
use googleapis_tonic_google_devtools_remoteworkers_v1test2::google::rpc::Status;
use prost::Message as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::reapi::ReapiClient;
use crate::{Endpoint, RemoteError, RemoteOptions};
use failure::{LeaseFailure, missing};
use inputs::InputCache;
pub use limits::Limits;
use outputs::Outputs;
pub use sandbox::Isolation;
use sandbox::{LeaseFolders, Sandbox, remove_tree, remove_tree_now};

/// Bounds on the deadline of a long poll for work. BuildGrid holds the call for 80 % of
/// min(deadline, keepalive) and assigns nothing below 3 s, so anything under 4 s would never get
/// work.
const MIN_POLL: Duration = Duration::from_secs(4);
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
const TYPE_PREFIX: &str = "type.googleapis.com/";

pub struct WorkerOptions {
    /// Stable across restarts (e.g. `<hostname>-<index>`): slot `i` registers as `<bot_id>-<i>`,
    /// and a restarted worker's sessions replace its old ones, whose leases the server requeues.
    pub bot_id: String,
    /// Actions run at once, one BotSession each.
    pub capacity: usize,
    /// A fresh directory per action is made under it and removed afterwards.
    pub work_dir: PathBuf,
    pub isolation: Isolation,
    pub limits: Limits,
    pub options: RemoteOptions,
    /// What the slots are doing, for whoever runs the worker.
    pub status: WorkerStatus,
}

impl WorkerOptions {
    /// One slot, isolation required, the default limits.
    pub fn new(bot_id: impl Into<String>, work_dir: PathBuf) -> Self {
        Self {
            bot_id: bot_id.into(),
            capacity: 1,
            work_dir,
            isolation: Isolation::default(),
            limits: Limits::default(),
            options: RemoteOptions::default(),
            status: WorkerStatus::default(),
        }
    }
}

/// A running worker's slots: how many hold a session at the server, and of those how many are
/// waiting on it in UpdateBotSession (a long poll for work, or the report of a finished lease).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slots {
    pub registered: usize,
    pub polling: usize,
}

/// A handle on a worker's [`Slots`], given in [`WorkerOptions`]; its clones watch the same worker.
#[derive(Clone, Debug)]
pub struct WorkerStatus(Arc<watch::Sender<Slots>>);

impl Default for WorkerStatus {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(Slots::default())))
    }
}

impl WorkerStatus {
    /// Resolves once `condition` holds for the slots.
    pub async fn wait_for(&self, condition: impl FnMut(&Slots) -> bool) {
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = self.0.subscribe().wait_for(condition).await;
    }

    /// Counts one slot in `state` until the guard is dropped.
    fn enter(&self, state: SlotState) -> InState<'_> {
        self.0.send_modify(|slots| *state.count(slots) += 1);
        InState { status: self, state }
    }
}

#[derive(Clone, Copy)]
enum SlotState {
    Registered,
    Polling,
}

impl SlotState {
    fn count(self, slots: &mut Slots) -> &mut usize {
        match self {
            SlotState::Registered => &mut slots.registered,
            SlotState::Polling => &mut slots.polling,
        }
    }
}

/// A slot counted in a [`SlotState`], for as long as this lives.
struct InState<'a> {
    status: &'a WorkerStatus,
    state: SlotState,
}

impl Drop for InState<'_> {
    fn drop(&mut self) {
        let state = self.state;
        self.status.0.send_modify(|slots| *state.count(slots) -= 1);
    }
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
    // Paths are compared with mount points in the sandbox: no links in them.
    let work_dir = std::fs::canonicalize(&options.work_dir)
        .map_err(|source| RemoteError::Io { what: format!("cannot use {}", options.work_dir.display()), source })?;
    let sandbox = Sandbox::probe(options.isolation, &work_dir).await?;
    let client = ReapiClient::connect(endpoint, &options.options).await?;
    let inputs = Arc::new(InputCache::open(&work_dir)?);
    let capacity = options.capacity.max(1);
    tracing::info!(
        %endpoint,
        bot = %options.bot_id,
        slots = capacity,
        isolated = !matches!(sandbox, Sandbox::None),
        work_dir = %work_dir.display(),
        "serving"
    );
    let worker = Arc::new(Worker { client, work_dir, sandbox, inputs, limits: options.limits, status: options.status });
    let (stop, stopping) = watch::channel(false);
    let mut slots = JoinSet::new();
    for slot in 0..capacity {
        slots.spawn(worker.clone().run_slot(format!("{}-{slot}", options.bot_id), stopping.clone()));
    }
    tokio::pin!(shutdown);
    let mut failure = None;
    loop {
        tokio::select! {
            () = &mut shutdown, if !*stop.borrow() => {
                tracing::info!("shutting down: running leases go back to the server");
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

/// Resolves once the worker is asked to stop (or its owner is gone).
fn stopped(stopping: &watch::Receiver<bool>) -> impl Future<Output = ()> + Send + 'static {
    let mut stopping = stopping.clone();
    async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    }
}

struct Worker {
    client: ReapiClient,
    work_dir: PathBuf,
    sandbox: Sandbox,
    inputs: Arc<InputCache>,
    limits: Limits,
    status: WorkerStatus,
}

/// How an UpdateBotSession round ended.
enum Sync {
    Updated(bots::BotSession),
    /// The worker is stopping; the call was abandoned.
    Stopped,
    /// The server no longer accepts this session (expired, replaced): start a new one.
    Lost(RemoteError),
}

impl Worker {
    async fn run_slot(self: Arc<Self>, bot_id: String, stopping: watch::Receiver<bool>) -> Result<(), RemoteError> {
        let mut backoff = Backoff::new(&self.client);
        'session: loop {
            let Some(mut session) = self.create_session(&bot_id, &stopping).await? else { return Ok(()) };
            tracing::info!(bot = %bot_id, session = %session.name, "registered");
            let _registered = self.status.enter(SlotState::Registered);
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
                        tracing::warn!(bot = %bot_id, %error, "the server dropped the session; starting a new one");
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
                    tracing::warn!(bot = %bot_id, %error, "cannot register; trying again");
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
        let _polling = self.status.enter(SlotState::Polling);
        let mut backoff = Backoff::new(&self.client);
        let mut failures = 0;
        loop {
            let reply = tokio::select! {
                reply = self.update(session, poll_deadline(session), None) => reply,
                () = stopped(stopping) => return Sync::Stopped,
            };
            match reply {
                Ok(updated) => return Sync::Updated(updated),
                Err(error) if !error.is_transient() => return Sync::Lost(error),
                Err(error) => {
                    failures += 1;
                    // At warn once per outage: the backoff retries every few seconds while the server is away.
                    if failures == 1 {
                        tracing::warn!(bot = %session.bot_id, %error, "the server is away; trying again");
                    } else {
                        tracing::debug!(bot = %session.bot_id, %error, failures, "the server is still away");
                    }
                }
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
                    tracing::error!(bot = %session.bot_id, %error, "could not report BOT_TERMINATING");
                    return;
                }
            }
        }
    }

    /// Runs one lease to its end, heartbeating the session meanwhile. The COMPLETED lease to
    /// report, or `None` when the server cancelled it or forgot the session.
    async fn work_on(
        self: &Arc<Self>,
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
                    tracing::error!(bot = %bot_id, lease = %lease.id, %error, "could not accept the lease");
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
        // Heartbeats on a task of their own: nothing the lease does (fetching, hashing, a slow
        // upload) can hold them back past the session's expiry.
        let latest = Arc::new(Mutex::new(session.clone()));
        let mut heartbeats =
            tokio::spawn(self.clone().heartbeat(bot_id.to_string(), latest.clone(), lease.clone(), progress.clone()));
        let run = self.run_lease(bot_id, &lease, &progress);
        let outcome = tokio::select! {
            outcome = run => Some(outcome),
            _ = &mut heartbeats => return None,
            () = stopped(stopping) => None,
        };
        heartbeats.abort();
        if let Ok(latest) = latest.lock() {
            *session = latest.clone();
        }
        let Some((result, status)) = outcome else {
            tracing::info!(bot = %bot_id, lease = %lease.id, "lease given back: the worker is shutting down");
            give_back(&mut lease, "the worker is shutting down");
            return Some(lease);
        };
        lease.state = bots::LeaseState::Completed as i32;
        lease.result = result.map(|result| prost_types::Any {
            type_url: format!("{TYPE_PREFIX}build.bazel.remote.execution.v2.ActionResult"),
            value: result.encode_to_vec(),
        });
        lease.status = Some(status);
        Some(lease)
    }

    /// Heartbeats a running lease (with its partial metadata) until the server no longer holds
    /// it for this session; `session` is kept up to date with the server's answers.
    async fn heartbeat(
        self: Arc<Self>,
        bot_id: String,
        session: Arc<Mutex<bots::BotSession>>,
        lease: bots::Lease,
        progress: Arc<Mutex<ExecutedActionMetadata>>,
    ) {
        let mut failures = 0;
        loop {
            let Ok(mut beat) = session.lock().map(|session| session.clone()) else { return };
            tokio::time::sleep(heartbeat_interval(&beat)).await;
            let partial = progress.lock().map(|metadata| metadata.clone()).unwrap_or_default();
            beat.leases.push(lease.clone());
            match self.update(&beat, LONG_POLL, Some((&lease.id, &partial))).await {
                Ok(mut updated) if holds(&updated, &lease.id) => {
                    failures = 0;
                    updated.leases.retain(|held| held.id != lease.id);
                    if let Ok(mut session) = session.lock() {
                        *session = updated;
                    }
                }
                // Cancelled (the client went away, another worker finished it): stop the command.
                Ok(_) => {
                    tracing::info!(bot = %bot_id, lease = %lease.id, "lease cancelled by the server");
                    return;
                }
                Err(error) if error.is_transient() => {
                    failures += 1;
                    if failures == 3 {
                        tracing::warn!(bot = %bot_id, lease = %lease.id, %error, "heartbeats fail; the lease may be requeued");
                    }
                }
                Err(error) => {
                    tracing::error!(bot = %bot_id, lease = %lease.id, %error, "lease lost");
                    return;
                }
            }
        }
    }

    /// Fetches, runs and uploads one lease's action in a folder of its own, removed afterwards.
    async fn run_lease(
        &self,
        bot_id: &str,
        lease: &bots::Lease,
        progress: &Mutex<ExecutedActionMetadata>,
    ) -> (Option<ActionResult>, Status) {
        tracing::info!(bot = %bot_id, lease = %lease.id, "running a lease");
        let started = Instant::now();
        let folders = LeaseFolders::new(self.work_dir.join(format!("{bot_id}-{}", uuid::Uuid::new_v4())));
        let mut dir = LeaseDir { folders, armed: true };
        let outcome = match self.action_of(lease).await {
            Ok(action) => self.run_action(&action, &dir.folders, progress).await,
            Err(failure) => Err(failure),
        };
        dir.armed = false;
        remove_tree(dir.folders.path().to_path_buf()).await;
        let elapsed_ms = started.elapsed().as_millis();
        match outcome {
            Ok((result, status)) => {
                let status_code = tonic::Code::from_i32(status.code);
                tracing::info!(bot = %bot_id, lease = %lease.id, exit_code = result.exit_code, status = ?status_code, elapsed_ms, "lease done");
                (Some(result), status)
            }
            Err(failure) => {
                let (code, message) = (failure.code, failure.message);
                tracing::warn!(bot = %bot_id, lease = %lease.id, ?code, %message, elapsed_ms, "lease failed");
                (None, Status { code: code as i32, message, details: Vec::new() })
            }
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
        folders: &LeaseFolders,
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
        let outputs = Outputs::of(&command)?;
        let working_relative = outputs::relative(&command.working_directory)?;
        let input_root = action.input_root_digest.clone().unwrap_or_else(|| self.client.digest_function().digest(&[]));
        let (lease, root) = (folders.path().to_path_buf(), folders.root());
        inputs::blocking(move || {
            std::fs::create_dir(&lease).map_err(|e| LeaseFailure::io(format!("create {}", lease.display()), e))?;
            std::fs::create_dir(lease.join("tmp")).map_err(|e| LeaseFailure::io(format!("create {}", lease.display()), e))
        })
        .await?;
        self.inputs.fetch(&self.client, &self.limits, &input_root, &root).await?;
        phase(|m| m.input_fetch_completed_timestamp = Some(now()));

        // The working directory and the outputs' folders, never through an input's symlink.
        let parents: Vec<PathBuf> = outputs
            .paths()
            .filter_map(|path| working_relative.join(path).parent().map(Path::to_path_buf))
            .chain([working_relative.clone()])
            .collect();
        let working = inputs::blocking(move || {
            for parent in parents {
                inputs::create_dirs_beneath(&root, &parent)?;
            }
            Ok(root.join(working_relative))
        })
        .await?;

        phase(|m| m.execution_start_timestamp = Some(now()));
        let timeout = action_timeout(action).map_or(self.limits.action_timeout, |asked| asked.min(self.limits.action_timeout));
        let run = self.sandbox.run(&command, folders, &working, timeout, &self.limits).await?;
        phase(|m| m.execution_completed_timestamp = Some(now()));

        phase(|m| m.output_upload_start_timestamp = Some(now()));
        let mut result = outputs.upload(&self.client, self.limits.max_output_bytes, folders, &working).await?;
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
}

/// A lease's folders. Removed after the lease (off the runtime's threads), or here, at once,
/// when the lease is abandoned mid-run (shutdown, a cancelled lease).
struct LeaseDir {
    folders: LeaseFolders,
    /// Still to be removed by `drop`.
    armed: bool,
}

impl Drop for LeaseDir {
    fn drop(&mut self) {
        if self.armed
            && let Err(message) = remove_tree_now(self.folders.path())
        {
            tracing::error!("{message}");
        }
    }
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

/// How long the session has before the server expires it, as of its last answer.
fn time_left(session: &bots::BotSession) -> Option<Duration> {
    let expiry = session.expire_time.as_ref()?;
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).ok()?;
    let expiry = Duration::new(u64::try_from(expiry.seconds).ok()?, u32::try_from(expiry.nanos).ok()?);
    expiry.checked_sub(now)
}

/// A third of what is left of the session's expiry, within bounds.
fn heartbeat_interval(session: &bots::BotSession) -> Duration {
    time_left(session).map_or(MAX_HEARTBEAT, |left| left / 3).clamp(MIN_HEARTBEAT, MAX_HEARTBEAT)
}

/// Half of what is left of the session's expiry, within bounds. The server holds a long poll for
/// 80 % of its deadline and counts the session's expiry from when the call began, so the answer
/// and the next call have 60 % of the keepalive to arrive, however slow a loaded machine makes
/// them; with the whole keepalive as the deadline they would have only 20 % (2 s of 10).
fn poll_deadline(session: &bots::BotSession) -> Duration {
    time_left(session).map_or(LONG_POLL, |left| left / 2).clamp(MIN_POLL, LONG_POLL)
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

    #[test]
    fn long_polls_leave_most_of_the_keepalive_for_the_answer_and_the_next_call() {
        let expiring_in = |left: Duration| {
            let at = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap() + left;
            let expire_time = prost_types::Timestamp { seconds: at.as_secs() as i64, nanos: at.subsec_nanos() as i32 };
            bots::BotSession { expire_time: Some(expire_time), ..Default::default() }
        };
        let deadline = poll_deadline(&expiring_in(Duration::from_secs(10)));
        assert!((Duration::from_secs(4)..=Duration::from_secs(5)).contains(&deadline), "{deadline:?}");
        assert_eq!(poll_deadline(&expiring_in(Duration::from_secs(120))), LONG_POLL);
        assert_eq!(poll_deadline(&expiring_in(Duration::from_secs(2))), MIN_POLL);
        assert_eq!(poll_deadline(&bots::BotSession::default()), LONG_POLL);
    }
}
