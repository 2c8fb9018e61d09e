//! The pipeline as the engine's [`ImageProcessor`]: builds reach it through that trait, so the
//! engine (and the editing side of the language server) stays free of wgpu.
//!
//! The cache key names the pipeline's version, not the backend: a GPU's variants differ from
//! the CPU's by at most 1 per channel (tested), so an asset cached by one machine serves another
//! as it is. Builds on one machine are deterministic; across machines sharing a cache, variant
//! bytes can depend on which backend made them first.

use eghact_semantics::assets::{AssetOptions, AssetVariant, ImageFormat, ImageProcessor, ProcessedAsset};

use crate::{Format, ImageOptions, ImagePipeline, PIPELINE_VERSION, Variant};

impl ImageProcessor for ImagePipeline {
    fn version(&self) -> String {
        format!("eghact-gpu {PIPELINE_VERSION}")
    }

    fn process(&self, images: &[&[u8]], options: &AssetOptions) -> Vec<Result<ProcessedAsset, String>> {
        let options = ImageOptions {
            widths: options.widths.clone(),
            formats: options.formats.iter().map(|f| format(*f)).collect(),
            quality: options.quality,
            placeholder_width: options.placeholder_width,
        };
        ImagePipeline::process(self, images, &options)
            .into_iter()
            .map(|result| {
                let image = result.map_err(|e| e.to_string())?;
                Ok(ProcessedAsset {
                    width: image.width,
                    height: image.height,
                    variants: image.variants.into_iter().map(variant).collect(),
                    placeholder: variant(image.placeholder),
                })
            })
            .collect()
    }

    fn take_warnings(&self) -> Vec<String> {
        ImagePipeline::take_warnings(self)
    }
}

fn format(format: ImageFormat) -> Format {
    match format {
        ImageFormat::Png => Format::Png,
        ImageFormat::Jpeg => Format::Jpeg,
        ImageFormat::Webp => Format::Webp,
    }
}

fn variant(variant: Variant) -> AssetVariant {
    let format = match variant.format {
        Format::Png => ImageFormat::Png,
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Webp => ImageFormat::Webp,
    };
    AssetVariant { width: variant.width, height: variant.height, format, bytes: variant.bytes }
}
