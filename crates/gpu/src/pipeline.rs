//! `ImagePipeline`: one batch of encoded images in, responsive sets out. It picks the backend per
//! batch (the GPU only where it pays) and keeps the device between batches; a GPU failure moves
//! the rest of the work, and every later batch, to the CPU with a warning.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;

use crate::model::{Backend, ImageError, ImageOptions, PipelineSettings, ProcessedImage};
use crate::{cpu, decode, gpu, plan, stream};

/// Turns encoded images into responsive sets. Create one per build: the GPU device and its
/// pipelines are created on first use and reused for every later batch.
pub struct ImagePipeline {
    backend: Backend,
    pub(crate) settings: PipelineSettings,
    gpu: Mutex<gpu::Slot>,
    warnings: Mutex<Vec<String>>,
}

impl ImagePipeline {
    /// Never fails: `On` without a usable adapter runs on the CPU and records a warning.
    pub fn new(backend: Backend) -> Self {
        Self::with_settings(backend, PipelineSettings::default())
    }

    pub fn with_settings(backend: Backend, settings: PipelineSettings) -> Self {
        let slot = match backend {
            Backend::Off => gpu::Slot::Disabled,
            Backend::Auto => gpu::Slot::Unprobed,
            Backend::On => gpu::Slot::probe(settings.allow_cpu_adapter),
        };
        let pipeline = Self { backend, settings, gpu: Mutex::new(slot), warnings: Mutex::new(Vec::new()) };
        if backend == Backend::On
            && let gpu::Slot::NoAdapter(why) = &*pipeline.slot()
        {
            pipeline.warn(format!("--gpu on: {why}; images are processed on the CPU"));
        }
        pipeline
    }

    /// What does the pixel work, e.g. `gpu (NVIDIA H100 80GB HBM3, Vulkan)` or `cpu`.
    pub fn backend_name(&self) -> String {
        let slot = self.slot();
        match (&*slot, self.backend) {
            (gpu::Slot::Disabled, _) => "cpu".into(),
            (gpu::Slot::Unprobed, _) => format!(
                "auto: cpu, gpu for batches of at least {} megapixels when a GPU exists",
                self.settings.auto_min_megapixels
            ),
            (gpu::Slot::NoAdapter(why), _) => format!("cpu ({why})"),
            (gpu::Slot::Failed(why), _) => format!("cpu (GPU failed: {why})"),
            (slot, Backend::Auto) => format!(
                "auto: gpu ({}) for batches of at least {} megapixels, cpu below",
                slot.describe(),
                self.settings.auto_min_megapixels
            ),
            (slot, _) => format!("gpu ({})", slot.describe()),
        }
    }

    /// The fallbacks that happened since the last call, oldest first.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// One result per input, in the same order. For a given backend the bytes are deterministic.
    pub fn process(&self, images: &[&[u8]], options: &ImageOptions) -> Vec<Result<ProcessedImage, ImageError>> {
        let options = plan::normalize(options);
        let max_pixels = self.settings.max_pixels;
        let headers: Vec<_> = images.par_iter().map(|bytes| decode::probe(bytes, max_pixels)).collect();
        match self.gpu_for(&headers) {
            Some(context) => stream::process(&context, images, headers, &options, &self.settings, &|failure| {
                *self.slot() = gpu::Slot::Failed(failure.clone());
                self.warn(format!("GPU failed ({failure}); the rest of the images are processed on the CPU"));
            }),
            None => images
                .par_iter()
                .zip(headers)
                .map(|(bytes, header)| header.and_then(|_| cpu::process(bytes, &options, max_pixels)))
                .collect(),
        }
    }

    /// The device for this batch, when the batch should run on the GPU; creates it on first use.
    fn gpu_for(&self, headers: &[Result<decode::Header, ImageError>]) -> Option<Arc<gpu::Context>> {
        let pixels: u64 = headers.iter().flatten().map(|h| u64::from(h.width) * u64::from(h.height)).sum();
        if pixels == 0 || (self.backend == Backend::Auto && (pixels as f64) < self.settings.auto_min_megapixels * 1e6) {
            return None;
        }
        let mut slot = self.slot();
        match slot.context(&self.settings) {
            Ok(context) => context,
            Err(why) => {
                *slot = gpu::Slot::Failed(why.clone());
                drop(slot);
                self.warn(format!("cannot start the GPU ({why}); images are processed on the CPU"));
                None
            }
        }
    }

    pub(crate) fn slot(&self) -> MutexGuard<'_, gpu::Slot> {
        self.gpu.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn warn(&self, warning: String) {
        self.warnings.lock().unwrap_or_else(PoisonError::into_inner).push(warning);
    }
}
