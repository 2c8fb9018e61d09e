//! The client side of remote execution: Execute an Action whose blobs are already in CAS, follow
//! its Operation (QUEUED, EXECUTING, COMPLETED) and return the ActionResult.
//!
//! Invariants: a stream that drops before the operation is done is picked up again with
//! WaitExecution on the operation's name (bounded by the retry policy), so a restarted server or a
//! cut connection never runs the action twice on our account; the whole call is bounded by the
//! caller's timeout, not by the per-call deadline of cache calls.

use std::time::Duration;

use bazel_remote_apis::build::bazel::remote::execution::v2::{
    ActionResult, Digest, ExecuteOperationMetadata, ExecuteRequest, ExecuteResponse, WaitExecutionRequest,
    execution_client::ExecutionClient, execution_stage,
};
use bazel_remote_apis::google::longrunning::{Operation, operation};
use bazel_remote_apis::google::protobuf::Any;
use tokio::time::Instant;

use crate::RemoteError;
use crate::reapi::ReapiClient;

/// A stage an action went through, as the Execute stream reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Queued,
    Executing,
    Completed,
}

impl Stage {
    fn rank(self) -> u8 {
        match self {
            Stage::Queued => 0,
            Stage::Executing => 1,
            Stage::Completed => 2,
        }
    }
}

/// What an executed (or cached) action gave.
#[derive(Clone, Debug, PartialEq)]
pub struct Executed {
    pub result: ActionResult,
    /// Served from the ActionCache without running.
    pub cached: bool,
    /// `ExecuteResponse.message`: something the server wants a person to read (a warning).
    pub message: String,
    /// The result came through WaitExecution: a stream broke and the operation was followed
    /// again by its name, not executed a second time.
    pub resumed: bool,
}

impl ReapiClient {
    /// Runs an Action whose Action, Command and input-root blobs are already in CAS. Calls
    /// `on_stage` on every stage change (in order, each at most once; a fast server may skip
    /// QUEUED or EXECUTING, COMPLETED always comes last). When the stream drops before the
    /// operation is done (server restart, cut connection), reconnects with WaitExecution on the
    /// operation name, with backoff, up to the retry policy. A non-zero exit code is not an error
    /// (it is in the result); a failed status in the ExecuteResponse is [`RemoteError::Execution`].
    /// The whole call is bounded by `timeout`.
    pub async fn execute(
        &self,
        action: &Digest,
        skip_cache_lookup: bool,
        timeout: Duration,
        mut on_stage: impl FnMut(Stage) + Send,
    ) -> Result<Executed, RemoteError> {
        let deadline = Instant::now() + timeout;
        let run = self.follow_operation(action, skip_cache_lookup, deadline, &mut on_stage);
        match tokio::time::timeout_at(deadline, run).await {
            Ok(result) => result,
            Err(_) => Err(RemoteError::Grpc {
                call: "Execute",
                code: tonic::Code::DeadlineExceeded,
                message: format!("no result within {timeout:?}"),
            }),
        }
    }

    async fn follow_operation(
        &self,
        action: &Digest,
        skip_cache_lookup: bool,
        deadline: Instant,
        on_stage: &mut (impl FnMut(Stage) + Send),
    ) -> Result<Executed, RemoteError> {
        let policy = self.retry_policy();
        let mut stages = StageTracker::default();
        let mut operation: Option<String> = None;
        let mut failures = 0;
        let mut delay = policy.initial_delay;
        loop {
            // The stream lasts as long as the execution: it carries the caller's deadline, not
            // the per-call one.
            let remaining = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            let mut client = ExecutionClient::new(self.channel());
            let resuming = operation.is_some();
            let (call, opened) = match &operation {
                None => {
                    let request = ExecuteRequest {
                        instance_name: self.instance().to_string(),
                        skip_cache_lookup,
                        action_digest: Some(action.clone()),
                        digest_function: self.digest_function().proto(),
                        ..ExecuteRequest::default()
                    };
                    ("Execute", client.execute(self.request_with_deadline(request, remaining)).await)
                }
                Some(name) => {
                    tracing::debug!(operation = %name, failures, "following the operation again with WaitExecution");
                    let request = WaitExecutionRequest { name: name.clone() };
                    ("WaitExecution", client.wait_execution(self.request_with_deadline(request, remaining)).await)
                }
            };
            let error = match opened {
                Err(status) => RemoteError::grpc(call, status),
                Ok(reply) => {
                    let mut stream = reply.into_inner();
                    loop {
                        match stream.message().await {
                            Ok(Some(update)) => {
                                // The server is there: a later drop starts a fresh series of attempts.
                                failures = 0;
                                delay = policy.initial_delay;
                                if operation.is_none() && !update.name.is_empty() {
                                    operation = Some(update.name.clone());
                                }
                                if let Some(done) = observe(&update, &mut stages, on_stage)? {
                                    return Ok(Executed { resumed: resuming, ..done });
                                }
                            }
                            Ok(None) => {
                                break RemoteError::Grpc {
                                    call,
                                    code: tonic::Code::Unavailable,
                                    message: "the stream ended before the operation was done".into(),
                                };
                            }
                            Err(status) => break RemoteError::grpc(call, status),
                        }
                    }
                }
            };
            match &error {
                // The server no longer knows the operation (its state was lost): ask again. The
                // action digest names the work, so this is the same action, not a second one.
                RemoteError::Grpc { code: tonic::Code::NotFound, .. } if operation.is_some() => operation = None,
                error if reconnectable(error, operation.is_some()) => {}
                _ => return Err(error),
            }
            failures += 1;
            if failures >= policy.attempts {
                return Err(error);
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
        }
    }
}

/// Whether following the operation again may succeed. Once the operation has a name, a broken
/// stream shows up under several codes (a reset connection is often `Unknown`), and reconnecting
/// costs one cheap call, so only answers that will not change are final.
fn reconnectable(error: &RemoteError, named: bool) -> bool {
    match error {
        RemoteError::Grpc { code, .. } if named => !matches!(
            code,
            tonic::Code::InvalidArgument
                | tonic::Code::PermissionDenied
                | tonic::Code::Unauthenticated
                | tonic::Code::FailedPrecondition
                | tonic::Code::Unimplemented
                | tonic::Code::OutOfRange
        ),
        error => error.is_transient(),
    }
}

/// Reports stages once each, in order.
#[derive(Default)]
struct StageTracker {
    last: Option<Stage>,
}

impl StageTracker {
    fn reach(&mut self, stage: Stage, on_stage: &mut impl FnMut(Stage)) {
        if self.last.is_none_or(|last| stage.rank() > last.rank()) {
            self.last = Some(stage);
            on_stage(stage);
        }
    }
}

/// Takes one Operation update: reports its stage, and returns the outcome once it is done.
fn observe(
    update: &Operation,
    stages: &mut StageTracker,
    on_stage: &mut impl FnMut(Stage),
) -> Result<Option<Executed>, RemoteError> {
    if let Some(metadata) = &update.metadata
        && let Some(metadata) = unpack::<ExecuteOperationMetadata>(metadata, "ExecuteOperationMetadata")?
    {
        match execution_stage::Value::try_from(metadata.stage) {
            Ok(execution_stage::Value::Queued) => stages.reach(Stage::Queued, on_stage),
            Ok(execution_stage::Value::Executing) => stages.reach(Stage::Executing, on_stage),
            // COMPLETED is reported with the response below, so that it is the last thing the caller hears.
            _ => {}
        }
    }
    if !update.done {
        return Ok(None);
    }
    let response = match &update.result {
        Some(operation::Result::Error(status)) => {
            return Err(RemoteError::Execution { code: tonic::Code::from_i32(status.code), message: status.message.clone() });
        }
        Some(operation::Result::Response(any)) => unpack::<ExecuteResponse>(any, "ExecuteResponse")?.ok_or_else(|| {
            RemoteError::Protocol(format!("a done operation holds a {} instead of an ExecuteResponse", any.type_url))
        })?,
        None => return Err(RemoteError::Protocol("a done operation without a result".into())),
    };
    if let Some(status) = &response.status
        && status.code != tonic::Code::Ok as i32
    {
        let message = match (status.message.is_empty(), response.message.is_empty()) {
            (_, true) => status.message.clone(),
            (true, false) => response.message.clone(),
            (false, false) => format!("{} ({})", status.message, response.message),
        };
        return Err(RemoteError::Execution { code: tonic::Code::from_i32(status.code), message });
    }
    let result = response.result.ok_or_else(|| RemoteError::Protocol("an ExecuteResponse without a result".into()))?;
    stages.reach(Stage::Completed, on_stage);
    Ok(Some(Executed { result, cached: response.cached_result, message: response.message, resumed: false }))
}

/// The message in `any` when it holds a `name` (the last part of its type URL); `None` for another type.
fn unpack<M: prost::Message + Default>(any: &Any, name: &str) -> Result<Option<M>, RemoteError> {
    if any.type_url.rsplit(['/', '.']).next() != Some(name) {
        return Ok(None);
    }
    M::decode(any.value.as_slice())
        .map(Some)
        .map_err(|error| RemoteError::Protocol(format!("a {name} that does not decode: {error}")))
}

#[cfg(test)]
mod tests {
    use bazel_remote_apis::google::rpc::Status;

    use super::*;

    fn any(name: &str, message: &impl prost::Message) -> Any {
        Any { type_url: format!("type.googleapis.com/build.bazel.remote.execution.v2.{name}"), value: message.encode_to_vec() }
    }

    fn update(stage: execution_stage::Value, response: Option<ExecuteResponse>) -> Operation {
        let metadata = ExecuteOperationMetadata { stage: stage as i32, ..Default::default() };
        Operation {
            name: "op".into(),
            metadata: Some(any("ExecuteOperationMetadata", &metadata)),
            done: response.is_some(),
            result: response.map(|r| operation::Result::Response(any("ExecuteResponse", &r))),
        }
    }

    #[test]
    fn stages_are_reported_once_each_in_order_and_completed_last() {
        let mut stages = StageTracker::default();
        let mut seen = Vec::new();
        let mut record = |stage| seen.push(stage);
        use execution_stage::Value;
        for stage in [Value::CacheCheck, Value::Queued, Value::Queued, Value::Executing, Value::Queued, Value::Executing] {
            assert_eq!(observe(&update(stage, None), &mut stages, &mut record).unwrap(), None);
        }
        let response = ExecuteResponse {
            result: Some(ActionResult { exit_code: 3, ..Default::default() }),
            message: "note".into(),
            ..Default::default()
        };
        let done = observe(&update(Value::Completed, Some(response)), &mut stages, &mut record).unwrap().unwrap();
        assert_eq!((done.result.exit_code, done.cached, done.message.as_str()), (3, false, "note"), "an exit code is a result");
        assert_eq!(seen, [Stage::Queued, Stage::Executing, Stage::Completed]);
    }

    #[test]
    fn a_failed_status_or_operation_error_is_an_execution_error() {
        let mut stages = StageTracker::default();
        let response = ExecuteResponse {
            result: Some(ActionResult::default()),
            status: Some(Status { code: tonic::Code::DeadlineExceeded as i32, message: "timed out".into(), details: vec![] }),
            ..Default::default()
        };
        let error = observe(&update(execution_stage::Value::Completed, Some(response)), &mut stages, &mut |_| {}).unwrap_err();
        assert!(matches!(error, RemoteError::Execution { code: tonic::Code::DeadlineExceeded, .. }), "{error}");

        let failed = Operation {
            done: true,
            result: Some(operation::Result::Error(Status {
                code: tonic::Code::Aborted as i32,
                message: "bot died".into(),
                details: vec![],
            })),
            ..Default::default()
        };
        let error = observe(&failed, &mut stages, &mut |_| {}).unwrap_err();
        assert!(error.to_string().contains("bot died"), "{error}");
    }

    #[test]
    fn broken_streams_of_a_named_operation_are_followed_again() {
        let grpc = |code| RemoteError::Grpc { call: "WaitExecution", code, message: String::new() };
        assert!(reconnectable(&grpc(tonic::Code::Unknown), true));
        assert!(!reconnectable(&grpc(tonic::Code::Unknown), false));
        assert!(reconnectable(&grpc(tonic::Code::Unavailable), false));
        assert!(!reconnectable(&grpc(tonic::Code::PermissionDenied), true));
    }
}
