//! The `eghact` command line: `build` and `check` over a project folder.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use eghact_engine::diagnostics::{LineIndex, render};
use eghact_engine::project::{self, BuildReport, Project};

#[derive(Parser)]
#[command(name = "eghact", version, about = "Build and check Eghact (.egh) components")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile every .egh file under DIR/src into DIR/dist.
    Build {
        /// The project folder (holding eghact.toml, or src/).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output folder, instead of the configured one.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Report diagnostics without writing anything.
    Check {
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let (dir, out, json, write) = match cli.command {
        Command::Build { dir, out, json } => (dir, out, json, true),
        Command::Check { dir, json } => (dir, None, json, false),
    };
    let mut project = Project::open(&dir).with_context(|| format!("cannot open project {}", dir.display()))?;
    if let Some(out) = out {
        project.config.out = std::path::absolute(out)?;
    }
    let report = project::build(&project, write)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&json_report(&report))?);
    } else {
        print_report(&report, write, &project);
    }
    Ok(if report.count(true) > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn print_report(report: &BuildReport, wrote: bool, project: &Project) {
    for file in &report.files {
        if !file.diagnostics.is_empty() {
            eprint!("{}", render(&file.path, &file.source, &file.diagnostics));
        }
    }
    let verb = if wrote { "built" } else { "checked" };
    let errors = report.count(true);
    let warnings = report.count(false);
    let target = if wrote { format!(" into {}", project.out_dir().display()) } else { String::new() };
    println!(
        "{verb} {} component{}{target}: {errors} error{}, {warnings} warning{} in {:.1} ms",
        report.files.len(),
        if report.files.len() == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        report.elapsed_ms
    );
}

fn json_report(report: &BuildReport) -> serde_json::Value {
    let diagnostics: Vec<serde_json::Value> = report
        .files
        .iter()
        .flat_map(|file| {
            let index = LineIndex::new(&file.source);
            file.diagnostics.iter().map(move |d| {
                let (line, column) = index.line_col(&file.source, d.span.start);
                let (end_line, end_column) = index.line_col(&file.source, d.span.end);
                serde_json::json!({
                    "file": file.path, "code": d.code, "severity": d.severity, "message": d.message,
                    "line": line, "column": column, "endLine": end_line, "endColumn": end_column,
                    "label": d.label, "help": d.help,
                })
            })
        })
        .collect();
    serde_json::json!({
        "files": report.files.len(),
        "errors": report.count(true),
        "warnings": report.count(false),
        "elapsedMs": report.elapsed_ms,
        "diagnostics": diagnostics,
    })
}
