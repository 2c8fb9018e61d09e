//! The server's logs go to the client's log (`window/logMessage`, which editors show in the
//! server's output panel), not to standard error, which some clients drop. Filtered by
//! `RUST_LOG`; `info` by default. The engine's libraries only emit `tracing` events.

use std::fmt::Write as _;

use tokio::runtime::Handle;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

/// Sends this process's events to `client`'s log, from any thread. Only the first server of a
/// process installs it (a process serves one client); a `RUST_LOG` that does not parse leaves
/// the default filter and says so in the log.
pub fn to_client(client: Client) {
    let Ok(runtime) = Handle::try_current() else { return };
    let (filter, invalid) = match EnvFilter::builder().with_default_directive(LevelFilter::INFO.into()).from_env() {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new("info"), Some(error)),
    };
    let installed = tracing_subscriber::registry().with(ClientLog { client, runtime }.with_filter(filter)).try_init();
    if let (Ok(()), Some(error)) = (installed, invalid) {
        tracing::warn!("RUST_LOG is ignored: {error}");
    }
}

struct ClientLog {
    client: Client,
    runtime: Handle,
}

impl<S: Subscriber> Layer<S> for ClientLog {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let metadata = event.metadata();
        let mut line = Line(format!("{} ", metadata.target()));
        event.record(&mut line);
        let kind = match *metadata.level() {
            Level::ERROR => MessageType::ERROR,
            Level::WARN => MessageType::WARNING,
            Level::INFO => MessageType::INFO,
            _ => MessageType::LOG,
        };
        let client = self.client.clone();
        self.runtime.spawn(async move { client.log_message(kind, line.0).await });
    }
}

/// An event as one line: its message, then its fields as `name=value`.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = match field.name() {
            "message" => write!(self.0, "{value:?}"),
            name => write!(self.0, " {name}={value:?}"),
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = match field.name() {
            "message" => write!(self.0, "{value}"),
            name => write!(self.0, " {name}={value}"),
        };
    }
}
