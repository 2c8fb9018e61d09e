//! Responsive image assets for Eghact builds: decode, resample to a set of widths plus a blurred
//! placeholder, encode. The pixel work runs on wgpu compute shaders when a GPU is worth it and on
//! the CPU (fast_image_resize on rayon) otherwise.
//!
//! **Invariant:** both backends compute the same filter (Lanczos3 with fast_image_resize's
//! weights) on premultiplied alpha and round the same way, so their pixels differ by at most 1
//! per channel; a GPU failure of any kind never loses an image: the rest of the batch, and every
//! later batch of that pipeline, runs on the CPU and a warning says so.

#[cfg(feature = "bench")]
pub mod bench;
mod cpu;
mod decode;
mod encode;
#[cfg(feature = "engine")]
mod engine;
mod filter;
mod gpu;
mod model;
mod pipeline;
mod pixels;
mod plan;
mod stream;

pub use model::{Backend, Format, ImageError, ImageOptions, PIPELINE_VERSION, PipelineSettings, ProcessedImage, Variant};
pub use pipeline::ImagePipeline;
