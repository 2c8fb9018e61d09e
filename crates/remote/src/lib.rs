//! Remote cache tiers for the engine: a REAPI v2 client ([`reapi`]: Capabilities, CAS,
//! ByteStream, ActionCache over tonic) and a Bazel HTTP cache client ([`http`]), both behind
//! [`RemoteCache`], which implements the engine's `CacheTier`. Remote execution: the client side
//! ([`execute`]: Execute and WaitExecution) and a Remote Workers API bot ([`worker`]) that runs
//! any REAPI action. The `[remote]` table of `eghact.toml` ([`RemoteSettings`]) is read here,
//! not by the builder, and [`attach`] gives a builder what it asks for.
//!
//! Invariants:
//! - A remote problem never fails a build: every failure is a `CacheError` (the engine turns it
//!   into a warning and a miss), nothing here panics on network or server data, and a tier that
//!   keeps failing switches itself off for the rest of the build. Only settings that break a
//!   rule of `eghact.toml` (an unknown key, a `ca_cert` outside the project) are an error.
//! - An entry read from a server is verified blob by blob against the digests it was stored
//!   under, so a remote hit restores exactly the bytes a local compile wrote.
//! - Cache keys become REAPI Action digests in one documented way ([`action`]), so other tools
//!   and, later, remote workers compute the same names.

pub mod action;
mod endpoint;
mod error;
pub mod execute;
pub mod executor;
pub mod http;
mod options;
pub mod reapi;
mod retry;
mod settings;
mod tier;
pub mod worker;

use std::time::Duration;

pub use endpoint::{Endpoint, Protocol};
pub use error::RemoteError;
pub use executor::{ExecutorOptions, RemoteExecutor};
pub use options::RemoteOptions;
pub use retry::RetryPolicy;
pub use settings::RemoteSettings;
pub use tier::RemoteCache;

/// The endpoint a project's settings name: `endpoint` (a `--remote-endpoint` flag or an
/// editor's setting) first, then `EGHACT_REMOTE_ENDPOINT`, then `[remote] endpoint`, with the
/// instance and the token of `[remote]`, and the CA of `EGHACT_REMOTE_CA`, else of `[remote]
/// ca_cert` (relative to the project `root`). `Ok(None)` when none is configured.
pub fn configured_endpoint(
    settings: &RemoteSettings,
    root: &std::path::Path,
    endpoint: Option<String>,
) -> Result<Option<Endpoint>, RemoteError> {
    endpoint_in(settings, root, endpoint, &|name| std::env::var_os(name))
}

/// `EGHACT_REMOTE_CA`, when set and not empty: a path as given, relative to the working folder.
pub fn ca_from_env() -> Option<std::path::PathBuf> {
    ca_in(&|name| std::env::var_os(name))
}

/// A variable of the environment the settings are read in, by name.
type Environment<'a> = &'a dyn Fn(&str) -> Option<std::ffi::OsString>;

/// [`configured_endpoint`] in the environment `env`, so that what it reads from the process's
/// environment is an argument (tests give their own).
fn endpoint_in(
    settings: &RemoteSettings,
    root: &std::path::Path,
    endpoint: Option<String>,
    env: Environment<'_>,
) -> Result<Option<Endpoint>, RemoteError> {
    let text = |name: &str| env(name).and_then(|value| value.into_string().ok());
    let from_env = text("EGHACT_REMOTE_ENDPOINT").filter(|url| !url.trim().is_empty());
    let Some(url) = endpoint.or(from_env).or_else(|| settings.endpoint.clone()) else { return Ok(None) };
    let token_var = settings.token_env.as_deref().unwrap_or("EGHACT_REMOTE_TOKEN");
    let endpoint = Endpoint::parse(&url)?
        .with_instance(settings.instance.clone().unwrap_or_default())
        .with_token(text(token_var))
        .with_ca(ca_in(env).or_else(|| settings.ca_cert.as_ref().map(|path| root.join(path))));
    Ok(Some(endpoint))
}

fn ca_in(env: Environment<'_>) -> Option<std::path::PathBuf> {
    env("EGHACT_REMOTE_CA").filter(|path| !path.is_empty()).map(Into::into)
}

/// The remote cache tier at `endpoint`. An error (a server that cannot be reached) is for the
/// caller to report once before it builds locally: a remote cache only ever speeds a build up.
pub fn cache_tier(endpoint: &Endpoint, settings: &RemoteSettings, tool_version: &str) -> Result<RemoteCache, String> {
    let options = RemoteOptions { upload: settings.upload, tool_version: tool_version.to_string(), ..RemoteOptions::default() };
    RemoteCache::connect(endpoint, &options).map_err(|error| format!("remote cache {endpoint} unavailable: {error}"))
}

/// Remote execution at `endpoint`, for a policy that may use it: `Ok(None)` for an HTTP cache
/// (which cannot execute) or a policy of `never`; an error when the server cannot execute.
pub fn executor(
    endpoint: &Endpoint,
    settings: &RemoteSettings,
    policy: &eghact_builder::offload::OffloadPolicy,
    tool_version: &str,
) -> Result<Option<RemoteExecutor>, String> {
    if policy.mode == eghact_builder::offload::OffloadMode::Never || endpoint.protocol != Protocol::Grpc {
        return Ok(None);
    }
    let options = ExecutorOptions {
        remote: RemoteOptions { tool_version: tool_version.to_string(), ..RemoteOptions::default() },
        queue_timeout: Duration::from_secs(settings.queue_timeout_secs),
        execution_timeout: Duration::from_secs(600),
        workers: settings.workers,
    };
    RemoteExecutor::connect(endpoint, &options)
        .map(Some)
        .map_err(|error| format!("remote execution on {endpoint} unavailable: {error}"))
}

/// The remote cache tier a project's settings ask for (see [`configured_endpoint`]);
/// `Ok(None)` when none is configured.
pub fn configured_tier(
    settings: &RemoteSettings,
    root: &std::path::Path,
    endpoint: Option<String>,
    tool_version: &str,
) -> Result<Option<RemoteCache>, String> {
    let Some(endpoint) = configured_endpoint(settings, root, endpoint).map_err(|error| error.to_string())? else {
        return Ok(None);
    };
    cache_tier(&endpoint, settings, tool_version).map(Some)
}

/// Gives `builder` the remote tiers its project's `[remote]` settings ask for (`endpoint` and
/// `mode` are the flags or editor settings that take precedence): a remote cache, and remote
/// execution where the endpoint and the policy allow it. Settings that break a rule of
/// `eghact.toml` are an error, as the builder's own are; otherwise returns the problems to
/// report, after any of which the build goes on locally.
pub fn attach(
    builder: &mut eghact_builder::Builder,
    endpoint: Option<String>,
    mode: Option<eghact_builder::offload::OffloadMode>,
) -> Result<Vec<String>, eghact_builder::project::ProjectError> {
    use eghact_builder::offload::{Offload, OffloadMode};
    let settings = RemoteSettings::of(builder.project())?;
    let version = builder.options().compiler_version.clone();
    let endpoint = match configured_endpoint(&settings, &builder.project().root, endpoint) {
        Ok(Some(endpoint)) => endpoint,
        Ok(None) => return Ok(Vec::new()),
        Err(error) => return Ok(vec![format!("{error}; building locally")]),
    };
    match cache_tier(&endpoint, &settings, &version) {
        Ok(tier) => builder.add_tier(Box::new(tier)),
        Err(error) => return Ok(vec![format!("{error}; building locally")]),
    }
    let policy = settings.policy(mode);
    match executor(&endpoint, &settings, &policy, &version) {
        Ok(Some(executor)) => builder.offload(Offload { offloader: std::sync::Arc::new(executor), policy }),
        Ok(None) => {}
        // Asked for explicitly, its absence is worth a warning; in `auto` a cache-only server is normal.
        Err(error) if policy.mode == OffloadMode::Always => return Ok(vec![format!("{error}; compiling locally")]),
        Err(_) => {}
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::ffi::OsString;
    use std::path::{Path, PathBuf};

    /// The CA of the endpoint that `[remote] ca_cert` and the environment `variables` give.
    fn ca_of(ca_cert: &str, variables: &[(&str, &str)]) -> Option<PathBuf> {
        let settings = RemoteSettings { ca_cert: Some(ca_cert.into()), ..Default::default() };
        let env = |name: &str| variables.iter().find(|(variable, _)| *variable == name).map(|(_, value)| OsString::from(value));
        let endpoint = endpoint_in(&settings, Path::new("/projects/shop"), Some("grpcs://cache.example.com".into()), &env);
        endpoint.unwrap().unwrap().ca
    }

    #[test]
    fn a_configured_ca_is_relative_to_the_project_root() {
        for (ca_cert, expected) in [("certs/ca.pem", "/projects/shop/certs/ca.pem"), ("/etc/ssl/corp.pem", "/etc/ssl/corp.pem")] {
            assert_eq!(ca_of(ca_cert, &[]), Some(PathBuf::from(expected)));
        }
    }

    #[test]
    fn eghact_remote_ca_takes_precedence_as_given_unless_empty() {
        assert_eq!(ca_of("certs/ca.pem", &[("EGHACT_REMOTE_CA", "ci/ca.pem")]), Some(PathBuf::from("ci/ca.pem")));
        assert_eq!(ca_of("certs/ca.pem", &[("EGHACT_REMOTE_CA", "")]), Some(PathBuf::from("/projects/shop/certs/ca.pem")));
    }
}
