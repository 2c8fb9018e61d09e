//! The resampling stage alone, for `benches/images.rs` (feature `bench`, not part of the API):
//! the benchmark times decoding and encoding separately, so it needs resampling by itself.

use rayon::prelude::*;

use crate::decode::{self, Decoded};
use crate::gpu::Footprint;
use crate::{ImageError, ImageOptions, ImagePipeline, cpu, plan};

/// An image decoded as the pipeline decodes it.
pub struct DecodedImage(Decoded);

impl DecodedImage {
    pub fn megapixels(&self) -> f64 {
        f64::from(self.0.pixels.width) * f64::from(self.0.pixels.height) / 1e6
    }
}

pub fn decode(bytes: &[u8]) -> Result<DecodedImage, ImageError> {
    decode::decode(bytes, crate::PipelineSettings::default().max_pixels).map(DecodedImage)
}

/// Every size and placeholder of every image on the CPU backend, images in parallel.
pub fn resample_cpu(images: &[DecodedImage], options: &ImageOptions) -> Result<(), ImageError> {
    let options = plan::normalize(options);
    images.par_iter().try_for_each(|image| cpu::resample_all(&image.0, &options).map(drop))
}

impl ImagePipeline {
    /// The same on this pipeline's device, in as few submissions as its budget allows, whatever
    /// the backend's batch-size rule; `Err` without a device.
    pub fn resample_gpu(&self, images: &[DecodedImage], options: &ImageOptions) -> Result<(), String> {
        let options = plan::normalize(options);
        let context = self.slot().context(&self.settings)?.ok_or_else(|| self.backend_name())?;
        let plans: Vec<_> = images.iter().map(|i| plan::plan(i.0.pixels.width, i.0.pixels.height, &options)).collect();
        let mut chunk = Vec::new();
        let mut footprint = Footprint::default();
        for (image, plan) in images.iter().zip(&plans) {
            let needs = Footprint::of(image.0.pixels.width, image.0.pixels.height, plan);
            if !chunk.is_empty() && !context.fits(&footprint.add(needs)) {
                context.resample(&std::mem::take(&mut chunk))?;
                footprint = Footprint::default();
            }
            chunk.push((&image.0.pixels, plan));
            footprint = footprint.add(needs);
        }
        if !chunk.is_empty() {
            context.resample(&chunk)?;
        }
        Ok(())
    }

    /// Where the device's submissions spent their time so far, when there is a device.
    pub fn gpu_stage_times(&self) -> Option<String> {
        let context = self.slot().context(&self.settings).ok()??;
        let t = context.stage_times();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        Some(format!(
            "{} submissions: weights {:.0} ms, upload {:.0} ms, recording {:.0} ms, on the device (transfers and kernels) {:.0} ms, \
             readback {:.0} ms",
            t.submissions,
            ms(t.prepare),
            ms(t.upload),
            ms(t.record),
            ms(t.device),
            ms(t.readback)
        ))
    }
}
