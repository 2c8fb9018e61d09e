//! The `eghact` command line: `build` (once or watching), `check`, `dev`, `preview` and `cache`
//! over a project folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use eghact_builder::cache::{CacheConfig, DiskCache};
use eghact_builder::offload::{OffloadMode, run_compile_batch};
use eghact_builder::project::{Project, ProjectError, UserPlaces};
use eghact_builder::watch::SourceWatcher;
use eghact_builder::{BuildError, BuildEvent, BuildOptions, BuildReport, Builder, CacheState, compiler_version};
use eghact_semantics::assets::ImageProcessor;
use eghact_syntax::diagnostics::{LineIndex, render};

mod logging;
mod release;
mod serve;
mod summary;

// Compiling allocates many small, short-lived values; mimalloc serves them faster than the
// system allocator (about a tenth of a cold build went to glibc's malloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "eghact", version, about = "Build and check Eghact (.egh) components")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Logs on standard error: -v what each build does, -vv each cache and file decision,
    /// -vvv everything. `RUST_LOG` (e.g. `eghact_builder=debug`) takes precedence.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Logs as text for people, or as JSON objects (one per line) for log collectors.
    #[arg(long, value_enum, default_value_t = logging::LogFormat::Text, global = true)]
    log_format: logging::LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Compile every .egh file under DIR/src into DIR/dist.
    Build {
        /// The project folder (holding eghact.toml, or src/).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output folder, instead of the configured one; it may lie outside the project, but never
        /// overlaps the source folder or holds the project, its .eghact/ or its cache.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        cache_dir: CacheDir,
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
        /// Keep running and rebuild what changed on every change of the source folder.
        #[arg(long, conflicts_with = "release")]
        watch: bool,
        /// Write a production bundle into the output folder instead of one module per source:
        /// entries from index.html, chunks per route, minified, content-hashed, with
        /// manifest.json ([bundle] of eghact.toml).
        #[arg(long)]
        release: bool,
        /// With --release: a chunk over its size budget fails the build instead of a warning.
        #[arg(long, requires = "release")]
        strict_budgets: bool,
        /// Write a JSON report of the build (cache state and key inputs per file, phases).
        #[arg(long, value_name = "FILE")]
        summary: Option<PathBuf>,
        /// Worker threads (all cores by default).
        #[arg(long)]
        threads: Option<usize>,
        /// Where images are processed: on a GPU when one is found, always on one, or on the CPU.
        #[arg(long, value_enum, default_value_t = Gpu::Auto)]
        gpu: Gpu,
        /// A shared cache consulted after the local ones: grpc:// or grpcs:// (REAPI v2), http:// or
        /// https:// (Bazel HTTP cache). Overrides EGHACT_REMOTE_ENDPOINT and `[remote] endpoint`.
        #[arg(long, value_name = "URL")]
        remote_endpoint: Option<String>,
        /// Whether a REAPI endpoint's workers compile this build's misses: when predicted
        /// faster, always, or never. Overrides `[remote] execute`.
        #[arg(long, value_enum)]
        remote: Option<Remote>,
    },
    /// Report diagnostics without writing anything.
    Check {
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long)]
        json: bool,
        /// As for `build`: a check processes images too, to report those it cannot read.
        #[arg(long, value_enum, default_value_t = Gpu::Auto)]
        gpu: Gpu,
        /// As for `build`; a check only reads from it.
        #[arg(long, value_name = "URL")]
        remote_endpoint: Option<String>,
        #[command(flatten)]
        cache_dir: CacheDir,
    },
    /// Serve the project for development: modules compiled from memory when the page asks for
    /// them, replaced in the page as their files change (hot replacement, an error overlay).
    Dev {
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        serve: serve::ServeArgs,
        /// Open the page in the browser.
        #[arg(long)]
        open: bool,
    },
    /// Serve the production bundle (the output folder) as it will be deployed, with
    /// index.html for any page URL (history-API fallback).
    Preview {
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        serve: serve::ServeArgs,
    },
    /// Compile components for another machine's build (the command of a remote action):
    /// each ITEM is `PATH=KEY`, and each entry is written to OUT/KEY.
    #[command(hide = true)]
    CompileBatch {
        #[arg(long, default_value = ".")]
        project: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(required = true)]
        items: Vec<String>,
    },
    /// Remote build cluster tools.
    Remote {
        #[command(subcommand)]
        action: RemoteAction,
    },
    /// Inspect or trim the disk cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
        #[arg(default_value = ".", global = true)]
        dir: PathBuf,
        #[command(flatten)]
        cache_dir: CacheDir,
    },
}

/// The user's choice of a disk cache, which may lie outside the project and be shared by
/// projects (a project's own `[cache] dir` must lie inside it).
#[derive(clap::Args)]
struct CacheDir {
    /// The disk cache folder, instead of `[cache] dir` of eghact.toml; EGHACT_CACHE_DIR when not given.
    #[arg(long, value_name = "DIR", global = true)]
    cache_dir: Option<PathBuf>,
}

impl CacheDir {
    /// `--cache-dir`, else `EGHACT_CACHE_DIR` when set and not empty.
    fn or_env(self) -> Option<PathBuf> {
        self.cache_dir.or_else(|| std::env::var_os("EGHACT_CACHE_DIR").filter(|dir| !dir.is_empty()).map(PathBuf::from))
    }
}

/// The backends of the image pipeline (`eghact-gpu`'s `Backend`).
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Gpu {
    /// A GPU when a real one is found (not a software rasteriser), the CPU otherwise.
    Auto,
    /// A GPU; the build says so when there is none.
    On,
    /// The CPU.
    Off,
}

#[derive(Subcommand)]
enum RemoteAction {
    /// Run actions for a REAPI server's Bots service (BuildGrid's Remote Workers API) until
    /// interrupted: any command, each in a fresh folder, without network where the system allows.
    /// Logs go to standard error, filtered by RUST_LOG (`info` when unset).
    Worker {
        /// The server: grpc:// or grpcs://. A bearer token is read from EGHACT_REMOTE_TOKEN, a PEM CA
        /// bundle for a private CA from EGHACT_REMOTE_CA.
        #[arg(long, value_name = "URL")]
        server: String,
        /// Actions run at once.
        #[arg(long, default_value_t = 1)]
        capacity: usize,
        /// The REAPI instance name.
        #[arg(long, default_value = "")]
        instance: String,
        /// A name that stays the same across restarts (the host name by default); slots
        /// register as BOT_ID-0, BOT_ID-1…
        #[arg(long)]
        bot_id: Option<String>,
        /// Where actions run (a folder under the system's temporary folder by default).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Let commands use the network (they run in a network namespace of their own otherwise).
        #[arg(long)]
        allow_network: bool,
        /// Refuse to start when actions cannot be isolated (namespaces: a read-only view of the
        /// host, a private /tmp, no network, every process killed at the end). The default.
        #[arg(long, conflicts_with = "allow_unisolated")]
        require_isolation: bool,
        /// Run actions without isolation where the system cannot isolate them (development only:
        /// an action can then write anywhere the worker can).
        #[arg(long)]
        allow_unisolated: bool,
        /// Seconds an action may run: the timeout of one that sets none, and the most one may set.
        #[arg(long, value_name = "SECS", default_value_t = 600)]
        action_timeout: u64,
        /// Bytes of stdout and of stderr kept per action (the rest is dropped, with a note).
        #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
        max_log_bytes: u64,
        /// Bytes of all output files of one action.
        #[arg(long, value_name = "BYTES", default_value_t = 4 << 30)]
        max_output_bytes: u64,
        /// Files, folders and symlinks of one action's input root.
        #[arg(long, value_name = "N", default_value_t = 1_000_000)]
        max_input_entries: usize,
        /// Folders nested in one action's input root.
        #[arg(long, value_name = "N", default_value_t = 128)]
        max_input_depth: usize,
        /// Bytes of all input files of one action.
        #[arg(long, value_name = "BYTES", default_value_t = 16 << 30)]
        max_input_bytes: u64,
    },
}

/// `--remote`: the engine's `OffloadMode`.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Remote {
    Auto,
    Always,
    Never,
}

impl From<Remote> for OffloadMode {
    fn from(remote: Remote) -> Self {
        match remote {
            Remote::Auto => OffloadMode::Auto,
            Remote::Always => OffloadMode::Always,
            Remote::Never => OffloadMode::Never,
        }
    }
}

#[derive(Subcommand, Clone, Copy)]
enum CacheAction {
    /// Entries, size and age of the disk cache.
    Stats,
    /// Remove entries past the configured age, then the least recently used past the size bound.
    Gc,
    /// Remove every entry.
    Clear,
}

fn main() -> ExitCode {
    // The engine's threads (this one's work and rayon's) get the stack its deepest accepted
    // input needs, so its own check of the stack never has to grow one.
    let outcome = eghact_syntax::stack::on_engine_thread(run).unwrap_or_else(|| Err(anyhow::anyhow!("the main thread failed")));
    match outcome {
        Ok(code) => code,
        Err(error) => {
            // A broken rule of the project is a rendered diagnostic, which names its place.
            match broken_rule(&error) {
                Some(rule) => eprintln!("{rule}"),
                None => eprintln!("error: {error:#}"),
            }
            ExitCode::from(2)
        }
    }
}

fn broken_rule(error: &anyhow::Error) -> Option<&ProjectError> {
    error
        .chain()
        .find_map(|cause| {
            cause.downcast_ref::<ProjectError>().or_else(|| match cause.downcast_ref::<BuildError>() {
                Some(BuildError::Project(error)) => Some(error),
                None => None,
            })
        })
        .filter(|error| error.code().is_some())
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // A daemon says what it does by default; a command prints its results and logs only
    // warnings unless asked.
    let quiet =
        if matches!(cli.command, Command::Remote { .. }) { logging::LevelFilter::INFO } else { logging::LevelFilter::WARN };
    let level = match cli.verbose {
        0 => quiet,
        1 => quiet.max(logging::LevelFilter::INFO),
        2 => logging::LevelFilter::DEBUG,
        _ => logging::LevelFilter::TRACE,
    };
    logging::init(cli.log_format, level)?;
    let threads = match &cli.command {
        Command::Build { threads, .. } => *threads,
        _ => None,
    };
    eghact_builder::start_rayon(threads).context("cannot start the worker threads")?;
    match cli.command {
        Command::Build {
            dir,
            out,
            cache_dir,
            json,
            watch,
            release,
            strict_budgets,
            summary,
            threads: _,
            gpu,
            remote_endpoint,
            remote,
        } => {
            let project = open(&dir, UserPlaces { out, cache_dir: cache_dir.or_env() })?;
            let remote = remote.map(OffloadMode::from);
            let mode = BuildMode { write: true, json, watch, gpu, remote_endpoint, remote };
            match release {
                true => bundle(project, mode, strict_budgets, summary.as_deref()),
                false => build(project, mode, summary.as_deref()),
            }
        }
        Command::Check { dir, json, gpu, remote_endpoint, cache_dir } => {
            let mode = BuildMode { write: false, json, watch: false, gpu, remote_endpoint, remote: Some(OffloadMode::Never) };
            build(open(&dir, UserPlaces { out: None, cache_dir: cache_dir.or_env() })?, mode, None)
        }
        Command::Dev { dir, serve, open: open_page } => serve::dev(open(&dir, UserPlaces::default())?, &serve, open_page),
        Command::Preview { dir, serve } => serve::preview(&open(&dir, UserPlaces::default())?, &serve),
        Command::CompileBatch { project, out, items } => compile_batch(&project, &out, &items),
        Command::Remote {
            action:
                RemoteAction::Worker {
                    server,
                    capacity,
                    instance,
                    bot_id,
                    work_dir,
                    allow_network,
                    allow_unisolated,
                    action_timeout,
                    max_log_bytes,
                    max_output_bytes,
                    max_input_entries,
                    max_input_depth,
                    max_input_bytes,
                    ..
                },
        } => {
            let endpoint = eghact_remote::Endpoint::parse(&server)?
                .with_instance(instance)
                .with_token(std::env::var("EGHACT_REMOTE_TOKEN").ok())
                .with_ca(eghact_remote::ca_from_env());
            let bot_id = bot_id.unwrap_or_else(|| {
                let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
                if host.trim().is_empty() { "eghact-worker".into() } else { host.trim().to_string() }
            });
            let options = eghact_remote::worker::WorkerOptions {
                bot_id,
                capacity,
                work_dir: work_dir.unwrap_or_else(|| std::env::temp_dir().join("eghact-worker")),
                isolation: eghact_remote::worker::Isolation { required: !allow_unisolated, network: allow_network },
                limits: eghact_remote::worker::Limits {
                    action_timeout: std::time::Duration::from_secs(action_timeout),
                    max_log_bytes,
                    max_output_bytes,
                    max_input_entries,
                    max_input_depth,
                    max_input_bytes,
                },
                options: eghact_remote::RemoteOptions { tool_version: compiler_version(), ..Default::default() },
                status: Default::default(),
            };
            worker(&endpoint, options)
        }
        Command::Cache { action, dir, cache_dir } => {
            cache(&open(&dir, UserPlaces { out: None, cache_dir: cache_dir.or_env() })?, action)
        }
    }
}

/// `eghact remote worker`: runs until SIGINT or SIGTERM, then says BOT_TERMINATING. Its
/// failure is a log event, so that a collector reading JSON lines sees it.
fn worker(endpoint: &eghact_remote::Endpoint, options: eghact_remote::worker::WorkerOptions) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the worker's runtime")?;
    let served = runtime.block_on(async {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let shutdown = async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        };
        eghact_remote::worker::run_worker(endpoint, options, shutdown).await?;
        anyhow::Ok(())
    });
    if let Err(error) = served {
        tracing::error!(error = format!("{error:#}"), "the worker stopped");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn open(dir: &Path, user: UserPlaces) -> anyhow::Result<Project> {
    Project::open_with(dir, &user).with_context(|| format!("cannot open project {}", dir.display()))
}

/// How `build` and `check` run.
struct BuildMode {
    write: bool,
    json: bool,
    watch: bool,
    gpu: Gpu,
    /// `--remote-endpoint`.
    remote_endpoint: Option<String>,
    /// `--remote`.
    remote: Option<OffloadMode>,
}

/// The image processor of this `eghact`: the pixel pipeline on the backend `--gpu` names (its
/// device is created by the first batch that uses it).
fn image_processor(gpu: Gpu) -> Option<Arc<dyn ImageProcessor>> {
    let backend = match gpu {
        Gpu::Auto => eghact_gpu::Backend::Auto,
        Gpu::On => eghact_gpu::Backend::On,
        Gpu::Off => eghact_gpu::Backend::Off,
    };
    Some(Arc::new(eghact_gpu::ImagePipeline::new(backend)))
}

/// A builder of `project` as `mode` asks, with its sources read.
fn open_builder(project: Project, mode: &BuildMode) -> anyhow::Result<Builder> {
    let options = BuildOptions {
        compiler_version: compiler_version(),
        write: mode.write,
        memory_cache: mode.watch,
        image_processor: image_processor(mode.gpu),
    };
    let mut builder = Builder::open(project, options);
    for warning in eghact_remote::attach(&mut builder, mode.remote_endpoint.clone(), mode.remote)? {
        eprintln!("warning: {warning}");
    }
    builder.load()?;
    Ok(builder)
}

fn build(project: Project, mode: BuildMode, summary: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut builder = open_builder(project, &mode)?;
    // Modules import npm packages from their pre-bundled modules (a bundle resolves them itself).
    builder.bundle_dependencies(Arc::new(eghact_bundle::RolldownDependencies));
    let BuildMode { json, watch, .. } = mode;
    let report = build_once(&mut builder, json, summary)?;
    if !watch {
        return Ok(if report.errors() > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    }
    let src = builder.project().src_dir();
    let watcher = SourceWatcher::new(&builder.project().root, &src, Duration::from_millis(50))?;
    // Rebuilds leave the build record to quiet moments.
    builder.defer_save(true);
    eprintln!("watching {} for changes (Ctrl-C to stop)", src.display());
    loop {
        let Some(batch) = watcher.next_batch(Duration::from_millis(500)) else {
            builder.save()?;
            continue;
        };
        for error in &batch.errors {
            eprintln!("warning: file watcher: {error}");
        }
        let changed = if batch.rescan { builder.load()? } else { builder.refresh(batch.paths)? };
        if changed.is_empty() {
            continue;
        }
        eprintln!("{} file{} changed: {}", changed.len(), plural(changed.len()), changed.join(", "));
        build_once(&mut builder, json, summary)?;
    }
}

/// `eghact build --release`: the per-module build in `.eghact/bundle/` (through the cache),
/// then the bundle of it into the output folder.
fn bundle(project: Project, mode: BuildMode, strict_budgets: bool, summary: Option<&Path>) -> anyhow::Result<ExitCode> {
    // Components' styles are minified for the bundle's targets: part of every key.
    let css = eghact_bundle::BundleSettings::of(&project)?.css(&project)?;
    let staging = project.staging("bundle")?.with_css(css);
    let json = mode.json;
    let mut builder = open_builder(staging.clone(), &mode)?;
    let report = run_build(&mut builder, summary)?;
    if report.errors() > 0 {
        match json {
            true => println!("{}", serde_json::to_string_pretty(&json_report(&builder, &report))?),
            false => print_report(&builder, &report),
        }
        return Ok(ExitCode::FAILURE);
    }
    if !json {
        print_report(&builder, &report);
    }
    let options = eghact_bundle::BundleOptions { strict_budgets };
    let bundled = match eghact_bundle::bundle(&project, &staging, &options) {
        Ok(bundled) => bundled,
        Err(eghact_bundle::BundleError::Page { path, text, diagnostic }) => {
            eprint!("{}", render(&path, &text, std::slice::from_ref(&diagnostic)));
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    if json {
        let mut document = json_report(&builder, &report);
        release::add_bundle(&mut document, &bundled);
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        for (path, diagnostic) in &bundled.diagnostics {
            eprint!("{}", render(path, "", std::slice::from_ref(diagnostic)));
        }
        release::print_bundle(&bundled);
    }
    Ok(if bundled.errors() > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `eghact compile-batch`: the engine's batch mode; the exit code says only whether the
/// command could run, refusals go to stderr for the asking build.
fn compile_batch(project: &Path, out: &Path, items: &[String]) -> anyhow::Result<ExitCode> {
    for refused in run_compile_batch(project, out, items, compiler_version())? {
        eprintln!("{refused}");
    }
    Ok(ExitCode::SUCCESS)
}

fn build_once(builder: &mut Builder, json: bool, summary: Option<&Path>) -> anyhow::Result<BuildReport> {
    let report = run_build(builder, summary)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&json_report(builder, &report))?);
    } else {
        print_report(builder, &report);
    }
    Ok(report)
}

/// One build with its progress bar; its warnings printed and its summary written.
fn run_build(builder: &mut Builder, summary: Option<&Path>) -> anyhow::Result<BuildReport> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} compiling {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = builder.build(&|event| match event {
        BuildEvent::Started { total, .. } => bar.set_length(total as u64),
        BuildEvent::Compiled { path, done, .. } => {
            bar.set_position(done as u64);
            bar.set_message(path);
        }
        BuildEvent::Image { path, done, total, .. } => bar.set_message(format!("image {done}/{total} {path}")),
        BuildEvent::Offload(p) => bar.set_message(format!(
            "remote: {} queued, {} running, {}/{} done{}",
            p.queued,
            p.executing,
            p.done,
            p.actions,
            if p.cached > 0 { format!(" ({} cached)", p.cached) } else { String::new() }
        )),
        BuildEvent::Finished => bar.finish_and_clear(),
    })?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(path) = summary {
        let text = serde_json::to_string_pretty(&summary::summary(&report))?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report)
}

fn source_of(builder: &Builder, path: &str) -> String {
    builder.host().file(path).map(|f| f.text(builder.host().db()).clone()).unwrap_or_default()
}

fn print_report(builder: &Builder, report: &BuildReport) {
    for path in &report.path_diagnostics {
        eprint!("{}", render(&path.path, "", std::slice::from_ref(&path.diagnostic)));
    }
    for file in &report.files {
        if !file.diagnostics.is_empty() {
            eprint!("{}", render(&file.path, &source_of(builder, &file.path), &file.diagnostics));
        }
    }
    let write = builder.options().write;
    let verb = if write { "built" } else { "checked" };
    let (errors, warnings) = (report.errors(), report.warnings());
    let target = if write { format!(" into {}", builder.project().out_dir().display()) } else { String::new() };
    let compiled = report.count_state(CacheState::Miss);
    let remote = match report.count_state(CacheState::Remote) {
        0 => String::new(),
        n => format!("{n} compiled remotely, "),
    };
    let reused = report.files.len() - compiled - report.count_state(CacheState::Remote);
    let unaffected = match report.skipped.components {
        0 => String::new(),
        n => format!(", {n} not affected"),
    };
    let images = match report.images.len() {
        0 => String::new(),
        n => {
            let processed = report.images.iter().filter(|i| i.cache == CacheState::Miss).count();
            format!(" and {n} image{} ({processed} processed)", plural(n))
        }
    };
    println!(
        "{verb} {} component{}{images}{target} ({compiled} compiled, {remote}{reused} from cache{unaffected}): {errors} error{}, {warnings} warning{} in {:.1} ms",
        report.files.len(),
        plural(report.files.len()),
        plural(errors),
        plural(warnings),
        report.phases.total_ms
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn json_report(builder: &Builder, report: &BuildReport) -> serde_json::Value {
    let diagnostics: Vec<serde_json::Value> = report
        .files
        .iter()
        .flat_map(|file| {
            let source = source_of(builder, &file.path);
            let index = LineIndex::new(&source);
            file.diagnostics
                .iter()
                .map(|d| {
                    let (line, column) = index.line_col(&source, d.span.start);
                    let (end_line, end_column) = index.line_col(&source, d.span.end);
                    serde_json::json!({
                        "file": file.path, "code": d.code, "severity": d.severity, "message": d.message,
                        "line": line, "column": column, "endLine": end_line, "endColumn": end_column,
                        "label": d.label, "help": d.help,
                    })
                })
                .collect::<Vec<_>>()
        })
        .chain(report.path_diagnostics.iter().map(|path| {
            let d = &path.diagnostic;
            serde_json::json!({
                "file": path.path, "code": d.code, "severity": d.severity, "message": d.message, "help": d.help,
            })
        }))
        .collect();
    serde_json::json!({
        "version": 1,
        "files": report.files.len(),
        "errors": report.errors(),
        "warnings": report.warnings(),
        "elapsedMs": report.phases.total_ms,
        "diagnostics": diagnostics,
    })
}

/// `value` as the JSON a tool reads: its fields and `"version": 1` (docs/schemas/cache.schema.json).
fn print_versioned(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut json = serde_json::to_value(value)?;
    if let Some(fields) = json.as_object_mut() {
        fields.insert("version".into(), 1.into());
    }
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

fn cache(project: &Project, action: CacheAction) -> anyhow::Result<ExitCode> {
    let config: CacheConfig = eghact_builder::cache_config(project);
    let disk = DiskCache::open(&config.dir, config.disk_limits())?;
    match action {
        CacheAction::Stats => print_versioned(&disk.stats()?)?,
        CacheAction::Gc => print_versioned(&disk.gc()?)?,
        CacheAction::Clear => print_versioned(&disk.clear()?)?,
    }
    Ok(ExitCode::SUCCESS)
}
