//! Pre-bundled npm packages for the per-module build (`eghact_builder::dependencies`): the bare
//! specifiers a project imports, each an entry of one Rolldown bundle (CommonJS converted, the
//! production build of libraries that branch on `NODE_ENV`), into flat ES modules that share
//! their common code in chunks, not minified.

use std::path::Path;

use eghact_builder::dependencies::DependencyBundler;
use rolldown::{BundlerOptions, InputItem, OutputFormat, Platform};
use rolldown_common::Output;

use crate::engine;

/// Rolldown as the builder's [`DependencyBundler`].
#[derive(Debug, Default)]
pub struct RolldownDependencies;

impl DependencyBundler for RolldownDependencies {
    fn version(&self) -> String {
        format!("rolldown 1.2.5, eghact-bundle {}", env!("CARGO_PKG_VERSION"))
    }

    fn bundle(&self, root: &Path, specifiers: &[String]) -> Result<Vec<(String, Vec<u8>)>, String> {
        let input = specifiers
            .iter()
            .map(|specifier| InputItem { name: Some(eghact_codegen::dependency_entry(specifier)), import: specifier.clone() })
            .collect();
        let options = BundlerOptions {
            input: Some(input),
            cwd: Some(root.to_path_buf()),
            format: Some(OutputFormat::Esm),
            platform: Some(Platform::Browser),
            entry_filenames: Some("[name].js".to_string().into()),
            chunk_filenames: Some("chunk-[hash].js".to_string().into()),
            asset_filenames: Some("asset-[hash][extname]".to_string().into()),
            define: Some(engine::production_defines()),
            ..BundlerOptions::default()
        };
        let output = engine::generate(root, options, Vec::new()).map_err(|error| error.to_string())?;
        Ok(output
            .assets
            .into_iter()
            .map(|output| match output {
                Output::Chunk(chunk) => (chunk.filename.to_string(), chunk.code.clone().into_bytes()),
                Output::Asset(asset) => (asset.filename.to_string(), asset.source.as_bytes().to_vec()),
            })
            .collect())
    }
}
