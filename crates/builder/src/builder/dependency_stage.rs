//! The build's pre-bundling stage (`dependencies.rs`): after the modules, when a bundler is
//! attached and the key of the imported packages changed or its files were touched.

use std::collections::BTreeSet;

use eghact_analysis::db;
use eghact_codegen::DEPENDENCIES_DIR;
use eghact_syntax::diagnostics::{Diagnostic, Span};

use super::{Builder, outputs_untouched};
use crate::dependencies::dependencies_key;
use crate::project::{PathDiagnostic, ProjectError};
use crate::report::BuildReport;
use crate::state::{DependenciesState, Stamp};

impl Builder {
    /// Writes the pre-bundled packages the project imports into `eghact-deps/`, and removes
    /// what an earlier build wrote there and this one does not. A bundler failure is E0512.
    pub(super) fn prebundle_dependencies(&mut self, report: &mut BuildReport) -> Result<(), ProjectError> {
        let Some(bundler) = self.dependency_bundler.clone() else { return Ok(()) };
        let specifiers = db::imported_packages(self.host.db()).clone();
        if specifiers.is_empty() && self.state.dependencies.is_none() {
            // Nothing imported, nothing written before: no lock file to read.
            return Ok(());
        }
        let folder = self.project.output();
        let key = dependencies_key(&self.project.root, &specifiers, bundler.as_ref());
        if let Some(previous) = &self.state.dependencies
            && previous.key == key
            && outputs_untouched(&folder, &previous.outputs)
        {
            return Ok(());
        }
        let previous = self.state.dependencies.take();
        let files = match specifiers.is_empty() {
            true => Vec::new(),
            false => match bundler.bundle(&self.project.root, &specifiers) {
                Ok(files) => files,
                Err(message) => {
                    let diagnostic = Diagnostic::error(
                        "E0512",
                        format!("cannot pre-bundle the npm packages the project imports: {message}"),
                        Span::default(),
                    )
                    .with_help("check that `npm install` (or your package manager) ran and that the packages load in a browser");
                    report.path_diagnostics.push(PathDiagnostic { path: "package.json".into(), diagnostic });
                    Vec::new()
                }
            },
        };
        let mut outputs = Vec::new();
        for (name, bytes) in &files {
            let output = folder.file(&format!("{DEPENDENCIES_DIR}/{name}"))?;
            output.write(bytes)?;
            if let Some(stamp) = Stamp::of(output.path()) {
                outputs.push((output.relative().to_string(), stamp));
            }
        }
        let kept: BTreeSet<&str> = outputs.iter().map(|(path, _)| path.as_str()).collect();
        for (path, _) in previous.iter().flat_map(|p| &p.outputs) {
            if !kept.contains(path.as_str())
                && let Ok(output) = folder.file(path)
            {
                output.remove();
            }
        }
        self.unsaved = true;
        self.state.dependencies = Some(DependenciesState { key, specifiers, outputs });
        Ok(())
    }
}
