//! Language server benchmark: the release `eghact-lsp --stdio` driven as an editor drives it,
//! and svelte-language-server on the same components as `.svelte` files.
//!
//! `cargo bench --bench lsp` builds `eghact-lsp` (release), generates projects of 200 and
//! 10,000 components (`EGHACT_BENCH_SIZES=200,10000`) with `generator/mod.rs`, and for each size
//! starts a server with the project as its workspace, then:
//! 1. `initialize` (timed to its response; eghact reads the whole source folder there) and
//!    `initialized`;
//! 2. opens the middle component, timed to its first `publishDiagnostics`;
//! 3. `EGHACT_BENCH_SAMPLES` times (default 50): an incremental one-character edit in the
//!    script (`items.length + 1` becomes `+ 10` and back), timed to the diagnostics published
//!    for it, then hover and completion in a template expression (`{count}`) and in the script
//!    (on `items`, and after `items.`), each timed to its response;
//! 4. the server's peak memory (VmHWM) before `shutdown`.
//!
//! svelte-language-server (pinned in `benches/svelte/package.json`, `npm ci` there) runs the
//! same on the `.svelte` copy of the first size, and a table puts both side by side. The
//! eghact figures of every size are printed against the targets for 10,000 components.
//!
//! Knobs: `EGHACT_BENCH_SIZES`, `EGHACT_BENCH_SAMPLES`, `EGHACT_BENCH_SKIP_SVELTE=1` (eghact only).
//! Exits non-zero when the eghact server fails or does not answer in time; a failure of
//! svelte-language-server is reported and skips the comparison.

mod generator;
mod harness;
mod lsp_client;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use generator::Flavor;
use lsp_client::Server;
use serde_json::{Value, json};

const SEED: u64 = 0xE6AC7;
/// The first answers may wait on a cold start (svelte-language-server warms TypeScript up).
const FIRST_ANSWER_TIMEOUT: Duration = Duration::from_secs(300);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);
/// svelte-language-server 0.17 publishes diagnostics 500 ms after the last change or open at
/// the earliest (`PushDiagnosticsManager`'s debounce); its figures include that wait.
const SVELTE_DEBOUNCE_MS: f64 = 500.0;

/// The targets at 10,000 components.
const TARGET_OPEN_MS: f64 = 50.0;
const TARGET_EDIT_P50_MS: f64 = 10.0;
const TARGET_COMPLETION_P50_MS: f64 = 5.0;
const TARGET_HOVER_P50_MS: f64 = 5.0;
const TARGET_PEAK_BYTES: f64 = 400e6;

/// What one server did on one project.
struct Figures {
    initialize_ms: f64,
    open_ms: f64,
    /// Diagnostics published on open (a generated project has none).
    open_diagnostics: usize,
    edit: Vec<f64>,
    hover_template: Vec<f64>,
    hover_script: Vec<f64>,
    completion_template: Vec<f64>,
    completion_script: Vec<f64>,
    peak_kib: Option<u64>,
    /// Wrong or missing answers and other surprises, once each.
    notes: BTreeSet<String>,
    /// Requests the server sent to the client.
    server_requests: BTreeSet<String>,
}

/// A position in the opened document (line, UTF-16 column; the generated text is ASCII).
#[derive(Clone, Copy)]
struct Spot {
    line: usize,
    character: usize,
}

impl Spot {
    /// `offset` characters into `needle` on the first line that contains `line`.
    fn of(text: &str, line: &str, needle: &str, offset: usize) -> Result<Self> {
        text.lines()
            .enumerate()
            .find(|(_, content)| content.contains(line))
            .and_then(|(at_line, content)| content.find(needle).map(|at| Spot { line: at_line, character: at + offset }))
            .with_context(|| format!("the opened component has no `{needle}` on a line with `{line}`"))
    }

    fn json(self) -> Value {
        json!({ "line": self.line, "character": self.character })
    }

    fn right(self, by: usize) -> Self {
        Spot { character: self.character + by, ..self }
    }
}

/// Where the benchmark edits, hovers and completes, found in the component's text (the same
/// code in both flavors).
struct Spots {
    /// Just after `items.length + 1` in `add()`.
    edit: Spot,
    /// On `count` in `{label}: {count}`.
    hover_template: Spot,
    /// On `items` in `$: total = … + items.length`.
    hover_script: Spot,
    /// After `{co` in `{label}: {count}`.
    completion_template: Spot,
    /// Just after `items.` in `$: total = … + items.length`.
    completion_script: Spot,
}

impl Spots {
    fn find(text: &str) -> Result<Self> {
        Ok(Spots {
            edit: Spot::of(text, "items.length + 1;", "items.length + 1", "items.length + 1".len())?,
            hover_template: Spot::of(text, "{label}: {count}", "{count}", "{c".len())?,
            hover_script: Spot::of(text, "$: total = ", "items.length", "it".len())?,
            completion_template: Spot::of(text, "{label}: {count}", "{count}", "{co".len())?,
            completion_script: Spot::of(text, "$: total = ", "items.length", "items.".len())?,
        })
    }
}

/// How to start one server on one project.
struct Subject<'a> {
    name: &'a str,
    program: &'a Path,
    args: &'a [&'a str],
    flavor: Flavor,
    language_id: &'a str,
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The client side of `initialize`: what a plain editor offers. No pull diagnostics
/// (`textDocument.diagnostic`), so both servers push them.
fn initialize_params(root: &Path) -> Value {
    let root = uri(root);
    json!({
        "processId": std::process::id(),
        "clientInfo": { "name": "eghact-bench" },
        "rootUri": root,
        "workspaceFolders": [{ "uri": root, "name": "bench" }],
        "capabilities": {
            "general": { "positionEncodings": ["utf-16"] },
            "workspace": {
                "didChangeWatchedFiles": { "dynamicRegistration": true },
                "configuration": true,
                "workspaceFolders": true
            },
            "window": { "workDoneProgress": true },
            "textDocument": {
                "synchronization": { "didSave": true },
                "publishDiagnostics": { "versionSupport": true, "relatedInformation": true },
                "hover": { "contentFormat": ["markdown", "plaintext"] },
                "completion": { "contextSupport": true, "completionItem": { "snippetSupport": true } }
            }
        }
    })
}

/// The text of a hover answer, whichever shape it has.
fn hover_text(hover: &Value) -> String {
    match &hover["contents"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().map(|p| p["value"].as_str().or(p.as_str()).unwrap_or_default()).collect(),
        contents => contents["value"].as_str().unwrap_or_default().to_string(),
    }
}

/// The labels of a completion answer (a list or a `CompletionList`).
fn completion_labels(completion: &Value) -> Vec<&str> {
    let items = completion.as_array().or_else(|| completion["items"].as_array());
    items.into_iter().flatten().filter_map(|item| item["label"].as_str()).collect()
}

/// Starts `subject` on a fresh project of `n` components and drives it; see the module doc.
fn run(subject: &Subject, n: usize, samples: usize) -> Result<Figures> {
    let tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let root = tmp.path().canonicalize().context("cannot resolve the temporary directory")?;
    let files = generator::generate(n, subject.flavor, SEED);
    generator::write_files(&root, &files).context("cannot write the generated project")?;
    let (path, text) = files.get(n / 2).context("no component to open: a size is 0")?;
    let spots = Spots::find(text)?;
    let mut server = Server::spawn(subject.name, Command::new(subject.program).args(subject.args).current_dir(&root))?;

    let (_, initialize_ms) = server.request("initialize", initialize_params(&root), FIRST_ANSWER_TIMEOUT)?;
    server.notify("initialized", json!({}))?;
    let document = uri(&root.join(path));
    let sent = server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": document, "languageId": subject.language_id, "version": 1, "text": text } }),
    )?;
    let (diagnostics, open_ms) = server.diagnostics(&document, 1, sent, FIRST_ANSWER_TIMEOUT)?;
    let mut figures = Figures {
        initialize_ms,
        open_ms,
        open_diagnostics: diagnostics.len(),
        edit: Vec::new(),
        hover_template: Vec::new(),
        hover_script: Vec::new(),
        completion_template: Vec::new(),
        completion_script: Vec::new(),
        peak_kib: None,
        notes: BTreeSet::new(),
        server_requests: BTreeSet::new(),
    };
    if let Some(first) = diagnostics.first() {
        figures.notes.insert(format!("{} diagnostics on open of a clean component, first: {first}", diagnostics.len()));
    }

    let at = |spot: Spot| json!({ "textDocument": { "uri": document }, "position": spot.json() });
    for sample in 0..samples {
        // Type a `0` after `+ 1`, then delete it: the text stays valid and the same size.
        let version = sample as i64 + 2;
        let (end, insert) = if sample % 2 == 0 { (spots.edit, "0") } else { (spots.edit.right(1), "") };
        let change = json!({ "range": { "start": spots.edit.json(), "end": end.json() }, "text": insert });
        let sent = server.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": document, "version": version }, "contentChanges": [change] }),
        )?;
        let (diagnostics, ms) = server.diagnostics(&document, version, sent, ANSWER_TIMEOUT)?;
        figures.edit.push(ms);
        if let Some(first) = diagnostics.first() {
            figures.notes.insert(format!("diagnostics after a valid edit, first: {first}"));
        }

        let hovers = [
            (spots.hover_template, "count", &mut figures.hover_template),
            (spots.hover_script, "items", &mut figures.hover_script),
        ];
        for (spot, name, times) in hovers {
            let (hover, ms) = server.request("textDocument/hover", at(spot), ANSWER_TIMEOUT)?;
            times.push(ms);
            if !hover_text(&hover).contains(name) {
                figures.notes.insert(format!("hover on `{name}` (line {}) answered {hover}", spot.line + 1));
            }
        }
        // `total` comes from a `$:` statement; it is in scope in the template as much as `count`.
        let completions = [
            (spots.completion_template, json!({ "triggerKind": 1 }), ["count", "total"], &mut figures.completion_template),
            (
                spots.completion_script,
                json!({ "triggerKind": 2, "triggerCharacter": "." }),
                ["length", "filter"],
                &mut figures.completion_script,
            ),
        ];
        for (spot, context, expected, times) in completions {
            let mut params = at(spot);
            params["context"] = context;
            let (completion, ms) = server.request("textDocument/completion", params, ANSWER_TIMEOUT)?;
            times.push(ms);
            let labels = completion_labels(&completion);
            let missing: Vec<&str> = expected.into_iter().filter(|label| !labels.contains(label)).collect();
            if !missing.is_empty() {
                let shown = labels.iter().take(16).copied().collect::<Vec<_>>().join(", ");
                figures.notes.insert(format!(
                    "completion at line {} lacks `{}` ({} items: {shown})",
                    spot.line + 1,
                    missing.join("`, `"),
                    labels.len()
                ));
            }
        }
    }

    figures.peak_kib = server.peak_memory_kib();
    figures.server_requests = std::mem::take(&mut server.requests_seen);
    for method in &server.requests_refused {
        figures.notes.insert(format!("the client could not answer its request {method}"));
    }
    for message in &server.messages_shown {
        figures.notes.insert(format!("it showed the user: {message}"));
    }
    let status = server.shutdown(ANSWER_TIMEOUT)?;
    if !status.success() {
        figures.notes.insert(format!("exited with {status} after `exit`"));
    }
    Ok(figures)
}

/// Nearest-rank percentile `p` (0 to 100) of `samples`.
fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or(f64::NAN)
}

fn ms(value: f64) -> String {
    if value >= 100.0 { format!("{value:.0} ms") } else { format!("{value:.2} ms") }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |kib| format!("{:.0} MiB", kib as f64 / 1024.0))
}

/// The figures of one server on one size, p50 and p95, with `targets`: against the issue's
/// targets for eghact at 10,000 components.
fn report(name: &str, n: usize, samples: usize, f: &Figures, targets: bool) {
    let row = |label: &str, p50: String, p95: String, target: Option<(f64, f64, &str)>| {
        let verdict = match target.filter(|_| targets) {
            Some((value, target, shown)) => format!("≤ {shown}: {}", if value <= target { "met" } else { "NOT met" }),
            None => String::new(),
        };
        println!("{}", format!("  {label:<40} {p50:>10} {p95:>10}   {verdict}").trim_end());
    };
    println!("{name}, {n} components ({samples} edits, {samples} requests of each kind):");
    row("", "p50".into(), "p95".into(), None);
    row("initialize → response", ms(f.initialize_ms), String::new(), None);
    let open = format!("open → first diagnostics ({})", f.open_diagnostics);
    row(&open, ms(f.open_ms), String::new(), Some((f.open_ms, TARGET_OPEN_MS, "50 ms")));
    let series = [
        ("edit → its diagnostics", &f.edit, TARGET_EDIT_P50_MS, "10 ms"),
        ("hover, template expression", &f.hover_template, TARGET_HOVER_P50_MS, "5 ms"),
        ("hover, script", &f.hover_script, TARGET_HOVER_P50_MS, "5 ms"),
        ("completion, template expression", &f.completion_template, TARGET_COMPLETION_P50_MS, "5 ms"),
        ("completion after `.`, script", &f.completion_script, TARGET_COMPLETION_P50_MS, "5 ms"),
    ];
    for (label, samples, target, shown) in series {
        let p50 = percentile(samples, 50.0);
        row(label, ms(p50), ms(percentile(samples, 95.0)), Some((p50, target, shown)));
    }
    let peak = f.peak_kib.map_or(f64::NAN, |kib| kib as f64 * 1024.0);
    row("peak memory (VmHWM)", mib(f.peak_kib), String::new(), Some((peak, TARGET_PEAK_BYTES, "400 MB")));
    println!("  requests from the server: {}", f.server_requests.iter().cloned().collect::<Vec<_>>().join(", "));
    for note in &f.notes {
        println!("  note: {note}");
    }
}

/// Both servers on the same components, with the ratio svelte / eghact (above 1: eghact is
/// faster or smaller).
fn side_by_side(n: usize, svelte_name: &str, eghact: &Figures, svelte: &Figures) {
    println!("side by side, {n} components (the same project as .egh and as .svelte):");
    println!("  {:<40} {:>12} {:>24} {:>9}", "metric", "eghact-lsp", svelte_name, "ratio");
    let row = |label: &str, e: f64, s: f64, show: &dyn Fn(f64) -> String| {
        println!("  {label:<40} {:>12} {:>24} {:>8.1}x", show(e), show(s), s / e);
    };
    row("initialize → response", eghact.initialize_ms, svelte.initialize_ms, &ms);
    row("open → first diagnostics", eghact.open_ms, svelte.open_ms, &ms);
    let series = [
        ("edit → its diagnostics", &eghact.edit, &svelte.edit),
        ("hover, template expression", &eghact.hover_template, &svelte.hover_template),
        ("hover, script", &eghact.hover_script, &svelte.hover_script),
        ("completion, template expression", &eghact.completion_template, &svelte.completion_template),
        ("completion after `.`, script", &eghact.completion_script, &svelte.completion_script),
    ];
    for (label, e, s) in series {
        for p in [50.0, 95.0] {
            row(&format!("{label} p{p}"), percentile(e, p), percentile(s, p), &ms);
        }
    }
    let kib = |f: &Figures| f.peak_kib.map_or(f64::NAN, |k| k as f64);
    row("peak memory (VmHWM)", kib(eghact), kib(svelte), &|k| mib((!k.is_nan()).then_some(k as u64)));
    let edit = percentile(&svelte.edit, 50.0) - SVELTE_DEBOUNCE_MS;
    println!(
        "  {svelte_name} waits {SVELTE_DEBOUNCE_MS:.0} ms after an open or a change before it computes diagnostics; \
         without that wait its edit → diagnostics p50 is {} ({:.1}x eghact)",
        ms(edit),
        edit / percentile(&eghact.edit, 50.0)
    );
}

/// The release `eghact-lsp` of this tree, built now. A benchmark cannot name another
/// package's binary (`CARGO_BIN_EXE_*` covers its own package only), and building here means
/// the figures are never those of a stale binary; when it is up to date this takes a moment.
/// Cargo says where the binary is, whatever the target directory.
fn build_server() -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--release", "-p", "eghact-lsp", "--bin", "eghact-lsp", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo to build eghact-lsp")?;
    if !output.status.success() {
        bail!("`cargo build --release -p eghact-lsp` failed ({})", output.status);
    }
    let messages = output.stdout.split(|&b| b == b'\n').filter_map(|line| serde_json::from_slice::<Value>(line).ok());
    for message in messages {
        if message["reason"] == "compiler-artifact"
            && message["target"]["name"] == "eghact-lsp"
            && let Some(executable) = message["executable"].as_str()
        {
            return Ok(executable.into());
        }
    }
    bail!("cargo built eghact-lsp but named no executable")
}

/// svelte-language-server's entry point and version, once `npm ci` has run in `benches/svelte`.
fn svelte_server() -> Result<(PathBuf, String)> {
    let package = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/svelte/node_modules/svelte-language-server");
    let manifest = std::fs::read_to_string(package.join("package.json"))
        .with_context(|| format!("no svelte-language-server: run `npm ci` in {}", package.join("../..").display()))?;
    let manifest: Value = serde_json::from_str(&manifest).context("svelte-language-server's package.json")?;
    let version = manifest["version"].as_str().unwrap_or("?");
    Ok((package.join("bin/server.js"), format!("svelte-language-server {version}")))
}

fn compare(n: usize, samples: usize, eghact: Figures) -> Result<()> {
    let (server, name) = svelte_server()?;
    let args = [server.to_str().context("a non-UTF-8 path to svelte-language-server")?, "--stdio"];
    let subject = Subject { name: &name, program: Path::new("node"), args: &args, flavor: Flavor::Svelte, language_id: "svelte" };
    let svelte = run(&subject, n, samples)?;
    report(&name, n, samples, &svelte, false);
    side_by_side(n, &name, &eghact, &svelte);
    Ok(())
}

fn main() -> ExitCode {
    let sizes = harness::sizes("200,10000");
    let samples = harness::number("EGHACT_BENCH_SAMPLES", 50).max(1);
    let binary = match build_server() {
        Ok(binary) => binary,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    println!("eghact language server benchmark ({})", binary.display());
    let subject =
        Subject { name: "eghact-lsp", program: &binary, args: &["--stdio"], flavor: Flavor::Egh, language_id: "eghact" };
    let bench = |n: usize| {
        let figures = run(&subject, n, samples).map_err(|e| format!("{e:#}"))?;
        report("eghact-lsp", n, samples, &figures, true);
        Ok(figures)
    };
    harness::sweep(&sizes, bench, |n, eghact| {
        if harness::flag("EGHACT_BENCH_SKIP_SVELTE") {
            return println!("svelte-language-server comparison skipped (EGHACT_BENCH_SKIP_SVELTE)");
        }
        if let Err(error) = compare(n, samples, eghact) {
            println!("svelte-language-server comparison did not complete: {error:#}");
        }
    })
}
