//! The image stage of a build: hashes the referenced images, looks them up, processes the
//! misses and writes their variants.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::time::Instant;

use base64::Engine as _;

use super::{Builder, ms};
use crate::cache::Digest;
use crate::images::{ImageInput, UNPROCESSED, checked, decode, encode, image_key};
use crate::project::ProjectError;
use crate::report::{BuildEvent, BuildReport, CacheState, ImageBuild};
use crate::state::{ImageOutput, ImageState, Imported, OutputVariant, Stamp};
use eghact_semantics::assets::{ASSETS_DIR, ProcessedAsset, variant_file_name};

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
