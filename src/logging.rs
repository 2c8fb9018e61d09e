//! Where this executable's `tracing` events go: standard error, filtered by `RUST_LOG`, as text
//! for people or as JSON lines for log collectors. One function, so that every command and the
//! remote worker set up their logs the same way (`--verbose`, `--log-format`, `RUST_LOG`);
//! libraries only emit events.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
pub use tracing_subscriber::filter::LevelFilter;

/// `--log-format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One line per event: time, level, target, message and fields.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message` and the event's fields.
    Json,
}

/// Sends this process's events to standard error in `format`, filtered by `RUST_LOG` (directives
/// such as `warn,eghact_remote=debug`), or at `default_level` when it is unset or empty. A
/// `RUST_LOG` that does not parse is an error rather than a filter that silently drops events.
pub fn init(format: LogFormat, default_level: LevelFilter) -> anyhow::Result<()> {
    let filter = EnvFilter::builder()
        .with_default_directive(default_level.into())
        .from_env()
        .map_err(|error| anyhow::anyhow!("RUST_LOG: {error}"))?;
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => logs.json().flatten_event(true).with_current_span(false).with_span_list(false).try_init(),
    };
    installed.map_err(|error| anyhow::anyhow!("cannot set up logging: {error}"))
}
