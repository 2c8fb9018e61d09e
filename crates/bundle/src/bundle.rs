//! One bundle: the page's scripts into Rolldown with the plugin, then the stylesheets, the page,
//! the manifest and the budgets, then the new folder in place of the output folder.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use eghact_builder::project::Project;
use eghact_syntax::diagnostics::{Diagnostic, Span};
use rolldown::{
    BundlerOptions, CodeSplittingMode, InputItem, ManualCodeSplittingOptions, MatchGroup, MatchGroupName, MatchGroupTest,
    OutputFormat, Platform, RawMinifyOptions, SourceMapType,
};

use crate::chunks::{Chunk, chunk_report, chunks_of, css_file};
use crate::html::{self, PAGE_FILE};
use crate::manifest::{self, MANIFEST_FILE};
use crate::model::ChunkKind;
use crate::model::{BundleError, BundleOptions, BundlePhases, BundleReport, BundleSettings};
use crate::plugin::{ENTRY, EghactPlugin};
use crate::record::{BundleRecord, RECORD_FILE, RecordedReport};
use crate::report::{self, REPORT_FILE};
use crate::{budgets, engine, swap};

/// The folder of the bundle's chunks and stylesheets inside the output folder.
const ASSETS_DIR: &str = "assets";

/// Bundles the per-module build of `staging` (`project.staging(…)`, built) with the project's
/// page into the project's output folder, unless the last bundle's record shows that nothing it
/// read or wrote has changed.
pub fn bundle(project: &Project, staging: &Project, options: &BundleOptions) -> Result<BundleReport, BundleError> {
    let started = Instant::now();
    let settings = BundleSettings::of(project)?;
    // The page names the output folder of eghact.toml (`./dist/App.js`), whatever `--out` says.
    let configured_out = Project::open(&project.root)?.out_dir();
    let out = project.out_dir();
    let record_path = staging.work_dir().join(RECORD_FILE);
    let run = format!(
        "{}\n{settings:?}\n{options:?}\n{}\n{}",
        eghact_builder::compiler_version(),
        configured_out.display(),
        out.display()
    );
    let run = blake3::hash(run.as_bytes()).to_hex().to_string();
    if let Some(recorded) = BundleRecord::load(&record_path).and_then(|record| record.reusable(&run, &project.root, &out)) {
        let total_ms = started.elapsed().as_secs_f64() * 1000.0;
        return Ok(BundleReport {
            out,
            chunks: recorded.chunks,
            diagnostics: recorded.diagnostics,
            phases: BundlePhases { total_ms, ..BundlePhases::default() },
            reused: true,
        });
    }
    let modules = staging.out_dir();
    let page_path = project.root.join(PAGE_FILE);
    let page = match std::fs::read_to_string(&page_path) {
        Ok(page) => page,
        Err(error) => {
            let diagnostic = Diagnostic::error("E0801", format!("cannot read {PAGE_FILE}: {error}"), Span::default()).with_help(
                "a bundle starts from the page at the project root: its `<script type=\"module\">` tags are the entries",
            );
            return Err(BundleError::Page { path: PAGE_FILE.into(), text: String::new(), diagnostic });
        }
    };
    let page_error = |diagnostic| BundleError::Page { path: PAGE_FILE.into(), text: page.clone(), diagnostic };
    let scripts = html::module_scripts(&page).map_err(page_error)?;
    if scripts.is_empty() {
        let diagnostic = Diagnostic::error("E0803", format!("{PAGE_FILE} has no module script"), Span::default())
            .with_help("load the app from a `<script type=\"module\">`, inline or with `src`");
        return Err(page_error(diagnostic));
    }
    let entries = scripts
        .iter()
        .map(|script| match &script.source {
            html::ScriptSource::Inline(code) => code.clone(),
            html::ScriptSource::Src(src) => format!("import {};\n", serde_json::Value::from(src.as_str())),
        })
        .collect();
    let plugin = Arc::new(EghactPlugin::new(project.root.clone(), configured_out, project.src_dir(), modules, entries));

    let output = run_rolldown(project, &settings, scripts.len(), plugin.clone());
    if let Some((index, problem)) = plugin.page_problems().into_iter().next() {
        let diagnostic = Diagnostic::error(
            "E0804",
            format!("the page imports a file the build does not have: {problem}"),
            scripts[index].span,
        )
        .with_help("name a source (`./src/App.egh`), the output of one (`./dist/App.js`) or a file of the project");
        return Err(page_error(diagnostic));
    }
    let output = output?;
    let rolldown_ms = started.elapsed().as_secs_f64() * 1000.0;

    let assets_started = Instant::now();
    let mut diagnostics: Vec<(String, Diagnostic)> = output
        .warnings
        .iter()
        .map(|warning| {
            let options = rolldown_error::DiagnosticOptions { cwd: project.root.clone() };
            (PAGE_FILE.to_string(), Diagnostic::warning("W0820", warning.to_message_with(&options), Span::default()))
        })
        .collect();
    let chunks = chunks_of(output.assets, &plugin);
    let base = if settings.base.ends_with('/') { settings.base.clone() } else { format!("{}/", settings.base) };
    let url = |file: &str| format!("{base}{file}");
    let initial: Vec<&Chunk> = chunks.iter().filter(|c| c.kind != ChunkKind::Async).collect();
    let page_assets = html::PageAssets {
        entries: chunks.iter().filter(|c| c.kind == ChunkKind::Entry).map(|c| url(&c.file)).collect(),
        preloads: initial.iter().filter(|c| c.kind == ChunkKind::Initial).map(|c| url(&c.file)).collect(),
        styles: initial.iter().filter(|c| !c.css.is_empty()).map(|c| url(&css_file(&c.file))).collect(),
    };
    let bundled_page = html::rewrite_page(&page, &page_assets).map_err(page_error)?;
    diagnostics.extend(budgets::check(&chunks, &settings.budgets, options.strict_budgets));
    let manifest = manifest::manifest(&chunks, &plugin, &project.src_dir(), &project.root);

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for chunk in &chunks {
        files.insert(chunk.file.clone(), chunk.code.clone().into_bytes());
        if let Some((file, map)) = &chunk.map {
            files.insert(file.clone(), map.clone().into_bytes());
        }
        if !chunk.css.is_empty() {
            files.insert(css_file(&chunk.file), chunk.css.clone().into_bytes());
        }
    }
    files.insert(PAGE_FILE.into(), bundled_page.into_bytes());
    files.insert(MANIFEST_FILE.into(), manifest.into_bytes());
    files.insert(REPORT_FILE.into(), report::report(&chunks).into_bytes());
    let assets_ms = assets_started.elapsed().as_secs_f64() * 1000.0;

    let report_chunks: Vec<_> = chunks.iter().map(chunk_report).collect();
    let write_started = Instant::now();
    let has_errors = diagnostics.iter().any(|(_, d)| d.is_error());
    // Whatever happens next, the last record no longer describes the output folder.
    let _ = std::fs::remove_file(&record_path);
    if !has_errors {
        swap::replace_folder(&out, &files)?;
        let report = RecordedReport { chunks: report_chunks.clone(), diagnostics: diagnostics.clone() };
        match BundleRecord::new(run, &project.root, &plugin.files_read(), &out, &files, report) {
            Some(record) => record.save(&record_path),
            None => tracing::debug!("the bundle read files outside the project: no bundle record"),
        }
    }
    let phases = BundlePhases {
        rolldown_ms,
        assets_ms,
        write_ms: write_started.elapsed().as_secs_f64() * 1000.0,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    Ok(BundleReport { out, chunks: report_chunks, diagnostics, phases, reused: false })
}

fn run_rolldown(
    project: &Project,
    settings: &BundleSettings,
    entries: usize,
    plugin: Arc<EghactPlugin>,
) -> Result<rolldown::BundleOutput, BundleError> {
    let input = (0..entries).map(|index| InputItem { name: Some("index".into()), import: format!("{ENTRY}{index}") }).collect();
    let mut groups = Vec::new();
    if !settings.vendors.is_empty() {
        let folders: Vec<String> = settings.vendors.iter().map(|name| format!("/node_modules/{name}/")).collect();
        let test = move |id: &str| {
            let vendor = folders.iter().any(|folder| id.replace('\\', "/").contains(folder.as_str()));
            Box::pin(async move { Ok(Some(vendor)) })
                as std::pin::Pin<Box<dyn Future<Output = anyhow::Result<Option<bool>>> + Send>>
        };
        groups.push(MatchGroup {
            name: MatchGroupName::Static("vendor".into()),
            test: Some(MatchGroupTest::Function(Arc::new(test))),
            priority: Some(2),
            ..MatchGroup::default()
        });
    }
    groups.push(MatchGroup {
        name: MatchGroupName::Static("common".into()),
        min_share_count: Some(3),
        priority: Some(1),
        ..MatchGroup::default()
    });
    let chunk_names = format!("{ASSETS_DIR}/[name]-[hash].js");
    let options = BundlerOptions {
        input: Some(input),
        cwd: Some(project.root.clone()),
        dir: Some(project.out_dir().to_string_lossy().into_owned()),
        format: Some(OutputFormat::Esm),
        platform: Some(Platform::Browser),
        sourcemap: Some(SourceMapType::File),
        minify: Some(RawMinifyOptions::Bool(true)),
        entry_filenames: Some(chunk_names.clone().into()),
        chunk_filenames: Some(chunk_names.into()),
        asset_filenames: Some(format!("{ASSETS_DIR}/[name]-[hash][extname]").into()),
        code_splitting: Some(CodeSplittingMode::Advanced(ManualCodeSplittingOptions {
            groups: Some(groups),
            ..ManualCodeSplittingOptions::default()
        })),
        define: Some(engine::production_defines()),
        ..BundlerOptions::default()
    };
    engine::generate(&project.root, options, vec![plugin])
}
