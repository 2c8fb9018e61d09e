//! The CPU backend: fast_image_resize (SIMD, rows split over rayon) with its Lanczos3
//! convolution, images and sizes in parallel.
//!
//! Opaque images are resampled as 8-bit RGB, fast_image_resize's fastest path (8-bit rows between
//! its two passes: within ±1 of exact arithmetic). Images with transparency are premultiplied
//! into f32 first, as the shaders do, so that colours under low alpha keep their precision.

use fast_image_resize::images::{Image, ImageRef, TypedImage, TypedImageRef};
use fast_image_resize::pixels::F32x4;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use rayon::prelude::*;

use crate::decode::{self, Decoded};
use crate::encode::{self, Resampled};
use crate::pixels::{self, Pixels};
use crate::{ImageError, ImageOptions, ProcessedImage, plan};

/// Decodes, resamples and encodes one image.
pub(crate) fn process(bytes: &[u8], options: &ImageOptions, max_pixels: u64) -> Result<ProcessedImage, ImageError> {
    let decoded = decode::decode(bytes, max_pixels)?;
    encode::finish(resample_all(&decoded, options)?, options)
}

/// Every size of an image's plan and its blurred placeholder.
pub(crate) fn resample_all(decoded: &Decoded, options: &ImageOptions) -> Result<Resampled, ImageError> {
    let source = &decoded.pixels;
    let plan = plan::plan(source.width, source.height, options);
    let premultiplied = (source.channels == 4).then(|| premultiplied(source));
    let resample = |(width, height): (u32, u32)| match &premultiplied {
        Some(premultiplied) => resample_premultiplied(source, premultiplied, width, height),
        None => resample_rgb(source, width, height),
    };
    let sizes = plan.sizes.par_iter().map(|&size| resample(size)).collect::<Result<Vec<_>, _>>()?;
    let placeholder = pixels::blur(&resample(plan.placeholder)?);
    Ok(Resampled { width: source.width, height: source.height, has_alpha: decoded.has_alpha, sizes, placeholder })
}

fn options() -> ResizeOptions {
    ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)).use_alpha(false)
}

fn resample_rgb(source: &Pixels, width: u32, height: u32) -> Result<Pixels, ImageError> {
    if (width, height) == (source.width, source.height) {
        return Ok(source.clone());
    }
    let failed = |e: &dyn std::fmt::Display| ImageError::Resize { width, height, message: e.to_string() };
    let from = ImageRef::new(source.width, source.height, &source.data, PixelType::U8x3).map_err(|e| failed(&e))?;
    let mut to = Image::new(width, height, PixelType::U8x3);
    Resizer::new().resize(&from, &mut to, &options()).map_err(|e| failed(&e))?;
    Ok(Pixels { width, height, channels: 3, data: to.into_vec() })
}

fn premultiplied(source: &Pixels) -> Vec<F32x4> {
    source.data.chunks_exact(4).map(|px| F32x4::new(pixels::premultiply([px[0], px[1], px[2], px[3]]))).collect()
}

fn resample_premultiplied(source: &Pixels, premultiplied: &[F32x4], width: u32, height: u32) -> Result<Pixels, ImageError> {
    if (width, height) == (source.width, source.height) {
        return Ok(source.clone());
    }
    let failed = |e: &dyn std::fmt::Display| ImageError::Resize { width, height, message: e.to_string() };
    let from = TypedImageRef::new(source.width, source.height, premultiplied).map_err(|e| failed(&e))?;
    let mut to = TypedImage::<F32x4>::new(width, height);
    Resizer::new().resize_typed(&from, &mut to, &options()).map_err(|e| failed(&e))?;
    let data = to.pixels().iter().flat_map(|px| pixels::unpremultiply(px.0)).collect();
    Ok(Pixels { width, height, channels: 4, data })
}
