//! `eghact dev` and `eghact preview` on the command line: their options, their runtime, and
//! what they print (the URL, then each update, reload and compile error).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use eghact_builder::project::Project;
use eghact_dev::{DevEvent, ServeOptions, Server};

/// Where a server listens.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The port (5173 for `dev`, 4173 for `preview`, or the next free one); a port given here
    /// must be free. 0 picks any free port.
    #[arg(long)]
    port: Option<u16>,
    /// The address to listen on: 127.0.0.1 unless given (`0.0.0.0` to be reached from other
    /// machines; requests must then name this host or an IP address).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
}

impl ServeArgs {
    fn options(&self, default_port: u16) -> ServeOptions {
        ServeOptions { host: self.host.clone(), port: self.port.unwrap_or(default_port), strict_port: self.port.is_some() }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(eghact_syntax::stack::THREAD_STACK)
        .build()
        .context("cannot start the server's runtime")
}

/// Runs `server` until Ctrl-C.
async fn run_until_interrupted(server: Server) -> anyhow::Result<ExitCode> {
    tokio::select! {
        served = server.run() => served?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}

pub fn dev(project: Project, args: &ServeArgs, open_page: bool) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let events: eghact_dev::EventSink = Arc::new(print_event);
        let server = eghact_dev::dev(project, &args.options(5173), Arc::new(eghact_bundle::RolldownDependencies), events).await?;
        println!("eghact dev server: {}", server.url());
        if open_page {
            open_in_browser(&server.url());
        }
        run_until_interrupted(server).await
    })
}

pub fn preview(project: &Project, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let folder = project.out_dir();
    if !folder.join("index.html").is_file() {
        anyhow::bail!("{} has no index.html: build the project first (`eghact build --release`)", folder.display());
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        let server = eghact_dev::preview(&folder, &args.options(4173)).await?;
        println!("eghact preview of {}: {}", folder.display(), server.url());
        run_until_interrupted(server).await
    })
}

fn print_event(event: DevEvent) {
    match event {
        DevEvent::Changed { .. } => {}
        DevEvent::Updated { paths } => eprintln!("hot update: {}", paths.join(", ")),
        DevEvent::Styled { path } => eprintln!("style update: {path}"),
        DevEvent::Reload { reason } => eprintln!("page reload: {reason}"),
        DevEvent::Errors { rendered } if rendered.is_empty() => eprintln!("no errors left"),
        DevEvent::Errors { rendered } => {
            for diagnostic in rendered {
                eprint!("{diagnostic}");
            }
        }
        DevEvent::Warning { message } => eprintln!("warning: {message}"),
    }
}

/// The system's way to open a URL; a failure only means the user opens it.
fn open_in_browser(url: &str) {
    let command = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if let Err(error) = std::process::Command::new(command).arg(url).spawn() {
        eprintln!("warning: cannot open the browser ({command}: {error}); open {url}");
    }
}
