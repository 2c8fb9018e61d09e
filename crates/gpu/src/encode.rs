//! From resampled pixels to the bytes of every variant and of the placeholder.
//!
//! **Invariant:** encoding is a pure function of the pixels and the options, so equal pixels give
//! equal bytes on every backend and every run.

use std::panic::AssertUnwindSafe;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use rayon::prelude::*;

use crate::decode;
use crate::pixels::Pixels;
use crate::{Format, ImageError, ImageOptions, ProcessedImage, Variant, plan};

/// Quality of the placeholder: after the blur, a low quality costs nothing visible and every
/// byte saved is inlined into every page that shows the image.
const PLACEHOLDER_QUALITY: u8 = 50;

/// What the resampling produced for one image, in the order of its plan.
pub(crate) struct Resampled {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub sizes: Vec<Pixels>,
    /// Already blurred.
    pub placeholder: Pixels,
}

/// Encodes every size in every format (in parallel) and the placeholder. An encoder that panics
/// is a bug in a dependency; the image gets an error.
pub(crate) fn finish(resampled: Resampled, options: &ImageOptions) -> Result<ProcessedImage, ImageError> {
    let (width, height) = (resampled.width, resampled.height);
    std::panic::catch_unwind(AssertUnwindSafe(|| finish_unguarded(resampled, options))).unwrap_or_else(|panic| {
        Err(ImageError::Encode {
            format: options.formats.first().copied().unwrap_or(Format::Webp),
            width,
            height,
            message: format!("the encoder failed: {}", decode::panic_message(&*panic)),
        })
    })
}

fn finish_unguarded(resampled: Resampled, options: &ImageOptions) -> Result<ProcessedImage, ImageError> {
    let formats = plan::formats(options, resampled.has_alpha);
    let jobs: Vec<(Format, &Pixels)> = formats.iter().flat_map(|&f| resampled.sizes.iter().map(move |p| (f, p))).collect();
    let mut variants = jobs
        .into_par_iter()
        .map(|(format, pixels)| {
            let bytes = encode(pixels, format, options.quality)?;
            Ok(Variant { width: pixels.width, height: pixels.height, format, bytes })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    variants.sort_by_key(|v| (v.format, v.width));
    let format = formats.first().copied().unwrap_or(Format::Webp);
    let placeholder = &resampled.placeholder;
    let placeholder = Variant {
        width: placeholder.width,
        height: placeholder.height,
        format,
        bytes: encode(placeholder, format, PLACEHOLDER_QUALITY)?,
    };
    Ok(ProcessedImage { width: resampled.width, height: resampled.height, has_alpha: resampled.has_alpha, variants, placeholder })
}

/// One image in one format. JPEG is only asked for opaque pixels (see `Format::for_alpha`).
pub(crate) fn encode(pixels: &Pixels, format: Format, quality: u8) -> Result<Vec<u8>, ImageError> {
    let (width, height) = (pixels.width, pixels.height);
    let failed = |message: String| ImageError::Encode { format, width, height, message };
    let mut bytes = Vec::new();
    match format {
        Format::Png => {
            let color = if pixels.channels == 4 { ExtendedColorType::Rgba8 } else { ExtendedColorType::Rgb8 };
            PngEncoder::new_with_quality(&mut bytes, CompressionType::Default, FilterType::Adaptive)
                .write_image(&pixels.data, width, height, color)
                .map_err(|e| failed(e.to_string()))?
        }
        Format::Jpeg => {
            let too_large = || failed("JPEG images are at most 65535 pixels on a side".into());
            let (w, h) = (u16::try_from(width).map_err(|_| too_large())?, u16::try_from(height).map_err(|_| too_large())?);
            // jpeg-encoder: SIMD, 4:2:0 below quality 90 as libjpeg does; optimised Huffman tables
            // cost little time and save a few percent on every variant.
            let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, quality);
            encoder.set_optimized_huffman_tables(true);
            encoder.encode(&pixels.data, w, h, jpeg_encoder::ColorType::Rgb).map_err(|e| failed(e.to_string()))?;
        }
        Format::Webp => {
            // libwebp's own limit; checked here because the binding does not report it clearly.
            if width > 16383 || height > 16383 {
                return Err(failed("WebP images are at most 16383 pixels on a side".into()));
            }
            let encoder = if pixels.channels == 4 {
                webp::Encoder::from_rgba(&pixels.data, width, height)
            } else {
                webp::Encoder::from_rgb(&pixels.data, width, height)
            };
            let memory = encoder.encode_simple(false, f32::from(quality)).map_err(|e| failed(format!("{e:?}")))?;
            bytes.extend_from_slice(&memory);
        }
    }
    Ok(bytes)
}
