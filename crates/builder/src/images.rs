//! The image stage of a build, between planning and compiling: every image the planned
//! components reference is looked up by its key (bytes, `[assets]` options, processor version)
//! in the build record, then in the cache; the misses go to the [`ImageProcessor`] in one
//! batch, and the variants are written to `<out>/assets/`.
//!
//! Invariants:
//! - An image is processed at most once per key: an unchanged image costs a stamp comparison,
//!   one processed on another machine or branch a cache read.
//! - An image that cannot be processed writes nothing and is an error (E0508) on the
//!   components that reference it, which then write nothing either.
//! - Variant files are named by their content, so identical bytes share a file; a file is
//!   removed only when no image's record lists it any more.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::time::Instant;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::state::{ImageOutput, ImageState, OutputVariant};
use super::{BuildEvent, BuildReport, Builder, CacheState, ImageBuild, Imported, Stamp, ms};
use crate::cache::{CacheEntry, CacheKey, CacheKeyBuilder, Digest};
use crate::project::ProjectError;
use eghact_analysis::db::Layout;
use eghact_semantics::assets::{
    ASSETS_DIR, AssetOptions, AssetVariant, ImageAsset, ImageFormat, ImageSource, ProcessedAsset, variant_file_name,
};

/// The key input of an image when the build has no processor: its references stay as written,
/// so its bytes do not matter to the component.
const UNPROCESSED: &[u8] = b"image left unprocessed";

/// An image the planned components reference, hashed.
pub(super) struct ImageInput {
    stamp: Stamp,
    digest: Digest,
    key: CacheKey,
}

/// The blob of a cache entry that describes the others.
const META: &str = "meta";
const PLACEHOLDER: &str = "placeholder";

/// What a processed image's cache entry holds besides the encoded bytes (blobs named by
/// variant index, and [`PLACEHOLDER`]). Paths are not in it: two images with the same bytes
/// share the entry.
#[derive(Serialize, Deserialize)]
struct EntryMeta {
    width: u32,
    height: u32,
    /// `(width, height, format)` of each variant.
    variants: Vec<(u32, u32, ImageFormat)>,
    placeholder: (u32, u32, ImageFormat),
}

impl Builder {
    /// Hashes the images at `paths` (reading only those whose stamp changed since the last
    /// build) and keys them; nothing without a processor, whose builds leave images as they
    /// are.
    pub(super) fn image_inputs<'p>(
        &self,
        paths: impl IntoIterator<Item = &'p String>,
    ) -> Result<BTreeMap<String, ImageInput>, ProjectError> {
        let Some(processor) = &self.options.image_processor else { return Ok(BTreeMap::new()) };
        let version = processor.version();
        let mut inputs = BTreeMap::new();
        for path in paths {
            let on_disk = self.project.root.join(path);
            let unreadable = |source| ProjectError::Read { path: on_disk.clone(), source };
            let stamp = Stamp::of(&on_disk).ok_or_else(|| unreadable(std::io::ErrorKind::NotFound.into()))?;
            let digest = match self.state.images.get(path).filter(|s| s.stamp == stamp) {
                Some(state) => state.digest,
                None => Digest::of(&fs::read(&on_disk).map_err(unreadable)?),
            };
            let key = image_key(digest, &self.project.config.assets, &version);
            inputs.insert(path.clone(), ImageInput { stamp, digest, key });
        }
        Ok(inputs)
    }

    /// What an image adds to the key of a component that references it.
    pub(super) fn image_key_input(inputs: &BTreeMap<String, ImageInput>, path: &str) -> Digest {
        inputs.get(path).map_or_else(|| Digest::of(UNPROCESSED), |input| Digest::from(*input.key.as_bytes()))
    }

    /// Makes every image of `inputs` available: from the build record, the cache, or the
    /// processor (one batch for all misses). Returns what each became.
    pub(super) fn process_images(
        &mut self,
        inputs: BTreeMap<String, ImageInput>,
        on_event: &(dyn Fn(BuildEvent) + Sync),
        report: &mut BuildReport,
    ) -> Result<BTreeMap<String, Result<ImageOutput, String>>, ProjectError> {
        let Some(processor) = self.options.image_processor.clone() else { return Ok(BTreeMap::new()) };
        let started = Instant::now();
        let total = inputs.len();
        let mut misses = Vec::new();
        let mut done = 0;
        for (path, input) in inputs {
            let key = input.key.to_string();
            let recorded = self.state.images.get(&path).filter(|s| s.key == key && (!self.options.write || self.untouched(s)));
            let (cache, outcome, outputs) = match recorded {
                Some(state) => (CacheState::Unchanged, state.outcome.clone(), state.outputs.clone()),
                None => match self.cache.get(&input.key).and_then(|hit| Some((hit.tier, decode(&hit.entry)?))) {
                    Some((tier, asset)) => {
                        let (output, outputs) = self.write_image(&path, &asset)?;
                        (CacheState::Hit(tier), Ok(output), outputs)
                    }
                    None => {
                        misses.push((path, input));
                        continue;
                    }
                },
            };
            done += 1;
            self.record_image(path, input, cache, outcome, outputs, report, (done, total), on_event);
        }
        if !misses.is_empty() {
            let mut bytes = Vec::with_capacity(misses.len());
            for (path, _) in &misses {
                let on_disk = self.project.root.join(path);
                bytes.push(fs::read(&on_disk).map_err(|source| ProjectError::Read { path: on_disk, source })?);
            }
            let slices: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
            let mut results = processor.process(&slices, &self.project.config.assets).into_iter();
            for (path, input) in misses {
                let result = results.next().unwrap_or_else(|| Err("the image processor returned no result for it".into()));
                let (outcome, outputs) = match result.and_then(checked) {
                    Ok(asset) => {
                        if self.options.write {
                            self.cache.put(&input.key, &std::sync::Arc::new(encode(&asset)));
                        }
                        let (output, outputs) = self.write_image(&path, &asset)?;
                        (Ok(output), outputs)
                    }
                    Err(error) => (Err(error), Vec::new()),
                };
                done += 1;
                self.record_image(path, input, CacheState::Miss, outcome, outputs, report, (done, total), on_event);
            }
        }
        report.images.sort_by(|a, b| a.path.cmp(&b.path));
        report.warnings.extend(processor.take_warnings());
        report.phases.images_ms = ms(started);
        let outcome = |path: &String| Some((path.clone(), self.state.images.get(path)?.outcome.clone()));
        Ok(report.images.iter().filter_map(|image| outcome(&image.path)).collect())
    }

    /// The variant files of `asset` under the output folder (when this build writes), with
    /// their stamps, and what the compiler needs to know of it.
    fn write_image(&self, path: &str, asset: &ProcessedAsset) -> Result<(ImageOutput, Vec<(String, Stamp)>), ProjectError> {
        let mut variants = Vec::with_capacity(asset.variants.len());
        let mut written = Vec::new();
        let folder = self.project.output();
        for variant in &asset.variants {
            let file = format!("{ASSETS_DIR}/{}", variant_file_name(path, variant));
            if self.options.write {
                let output = folder.file(&file)?;
                output.write(&variant.bytes)?;
                if let Some(stamp) = Stamp::of(output.path()) {
                    written.push((file.clone(), stamp));
                }
            }
            variants.push(OutputVariant { file, width: variant.width, height: variant.height, format: variant.format });
        }
        let placeholder = format!(
            "data:{};base64,{}",
            asset.placeholder.format.mime(),
            base64::engine::general_purpose::STANDARD.encode(&asset.placeholder.bytes)
        );
        Ok((ImageOutput { width: asset.width, height: asset.height, variants, placeholder }, written))
    }

    /// Every variant file of the image is as the build that recorded it wrote it.
    fn untouched(&self, state: &ImageState) -> bool {
        super::outputs_untouched(&self.project.output(), &state.outputs)
    }

    /// Keeps what `path` became in the build record (removing variant files of its previous
    /// key that nothing lists any more) and in the report.
    #[allow(clippy::too_many_arguments)]
    fn record_image(
        &mut self,
        path: String,
        input: ImageInput,
        cache: CacheState,
        outcome: Result<ImageOutput, String>,
        outputs: Vec<(String, Stamp)>,
        report: &mut BuildReport,
        (done, total): (usize, usize),
        on_event: &(dyn Fn(BuildEvent) + Sync),
    ) {
        report.images.push(ImageBuild {
            path: path.clone(),
            cache,
            key: input.key.to_string(),
            outputs: outputs.iter().map(|(file, _)| file.clone()).collect(),
            error: outcome.as_ref().err().cloned(),
        });
        let state = ImageState { stamp: input.stamp, digest: input.digest, key: input.key.to_string(), outcome, outputs };
        if let Some(previous) = self.state.images.insert(path.clone(), state) {
            self.remove_unlisted(previous.outputs);
        }
        on_event(BuildEvent::Image { path, done, total, cache });
    }

    /// Forgets the images no component references any more, and removes their files.
    pub(super) fn prune_images(&mut self) {
        let referenced: BTreeSet<&String> = self
            .state
            .components
            .values()
            .flat_map(|c| &c.imports)
            .filter_map(|(_, imported)| match imported {
                Imported::Image(path) => Some(path),
                _ => None,
            })
            .collect();
        let gone: Vec<String> = self.state.images.keys().filter(|p| !referenced.contains(p)).cloned().collect();
        for path in gone {
            if let Some(state) = self.state.images.remove(&path) {
                self.remove_unlisted(state.outputs);
            }
        }
    }

    /// Removes the files of `outputs` that no image's record lists.
    fn remove_unlisted(&self, mut outputs: Vec<(String, Stamp)>) {
        outputs.retain(|(file, _)| !self.state.images.values().any(|s| s.outputs.iter().any(|(f, _)| f == file)));
        self.remove_outputs(&outputs);
    }
}

/// What a component compiles its image references to: specifier → the image with URLs
/// relative to the component's module, or why it could not be processed.
pub(super) fn component_images(
    component: &str,
    imports: &[(String, Imported)],
    processed: &BTreeMap<String, Result<ImageOutput, String>>,
    layout: &Layout,
    options: &AssetOptions,
) -> BTreeMap<String, Result<ImageAsset, String>> {
    imports
        .iter()
        .filter_map(|(specifier, imported)| match imported {
            Imported::Image(path) => Some((specifier.clone(), processed.get(path)?.clone())),
            _ => None,
        })
        .map(|(specifier, outcome)| (specifier, outcome.and_then(|output| image_asset(component, &output, layout, options))))
        .collect()
}

fn image_asset(component: &str, output: &ImageOutput, layout: &Layout, options: &AssetOptions) -> Result<ImageAsset, String> {
    let sources: Vec<ImageSource> = options
        .formats
        .iter()
        .filter_map(|format| {
            let mut candidates: Vec<(String, u32)> = output
                .variants
                .iter()
                .filter(|v| v.format == *format)
                .map(|v| (layout.out_url(component, &v.file), v.width))
                .collect();
            candidates.sort_by_key(|(_, width)| *width);
            (!candidates.is_empty()).then_some(ImageSource { mime: format.mime(), candidates })
        })
        .collect();
    if sources.is_empty() {
        return Err("the image processor made no variant in the configured formats".into());
    }
    Ok(ImageAsset { width: output.width, height: output.height, sources, placeholder: output.placeholder.clone() })
}

/// A processor's result that a build can use: at least one variant.
fn checked(asset: ProcessedAsset) -> Result<ProcessedAsset, String> {
    match asset.variants.is_empty() {
        true => Err("the image processor made no variant of it".into()),
        false => Ok(asset),
    }
}

fn encode(asset: &ProcessedAsset) -> CacheEntry {
    let meta = EntryMeta {
        width: asset.width,
        height: asset.height,
        variants: asset.variants.iter().map(|v| (v.width, v.height, v.format)).collect(),
        placeholder: (asset.placeholder.width, asset.placeholder.height, asset.placeholder.format),
    };
    let mut files = vec![(META.to_string(), serde_json::to_vec(&meta).unwrap_or_default())];
    files.extend(asset.variants.iter().enumerate().map(|(i, v)| (i.to_string(), v.bytes.clone())));
    files.push((PLACEHOLDER.to_string(), asset.placeholder.bytes.clone()));
    CacheEntry::new(files)
}

/// The processed image of a cache entry; `None` (a miss) for an entry that is not one.
fn decode(entry: &CacheEntry) -> Option<ProcessedAsset> {
    let meta: EntryMeta = serde_json::from_slice(entry.get(META)?).ok()?;
    let variant = |(width, height, format): (u32, u32, ImageFormat), name: &str| {
        Some(AssetVariant { width, height, format, bytes: entry.get(name)?.to_vec() })
    };
    let variants = meta.variants.iter().enumerate().map(|(i, v)| variant(*v, &i.to_string())).collect::<Option<Vec<_>>>()?;
    checked(ProcessedAsset {
        width: meta.width,
        height: meta.height,
        variants,
        placeholder: variant(meta.placeholder, PLACEHOLDER)?,
    })
    .ok()
}

/// The cache key of an image: its bytes, the options and the processor's version.
pub fn image_key(image: Digest, options: &AssetOptions, processor_version: &str) -> CacheKey {
    let formats: Vec<&str> = options.formats.iter().map(|f| f.extension()).collect();
    let widths: Vec<String> = options.widths.iter().map(u32::to_string).collect();
    // The version is the key's "compiler": an image entry can never be read as a component's.
    CacheKeyBuilder::new(&format!("image processor {processor_version}"), image)
        .flag(widths.join(","))
        .flag(formats.join(","))
        .flag(options.quality.to_string())
        .flag(options.placeholder_width.to_string())
        .finish()
        .key()
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_semantics::assets::ImageFormat;

    #[test]
    fn every_input_changes_an_image_key() {
        let options = AssetOptions::default();
        let key = image_key(Digest::of(b"png"), &options, "1");
        let others = [
            image_key(Digest::of(b"png!"), &options, "1"),
            image_key(Digest::of(b"png"), &options, "2"),
            image_key(Digest::of(b"png"), &AssetOptions { widths: vec![640], ..options.clone() }, "1"),
            image_key(Digest::of(b"png"), &AssetOptions { formats: vec![ImageFormat::Png], ..options.clone() }, "1"),
            image_key(Digest::of(b"png"), &AssetOptions { quality: 81, ..options.clone() }, "1"),
            image_key(Digest::of(b"png"), &AssetOptions { placeholder_width: 8, ..options.clone() }, "1"),
        ];
        assert!(others.iter().all(|other| *other != key));
    }
}
