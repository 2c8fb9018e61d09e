//! A batch on the GPU: decoding and encoding are rayon tasks, one per image, and this thread
//! (which owns the device's error scopes) turns decoded images into chunks that fit the device
//! budget as they arrive, resamples each chunk in one submission and spawns the encoding of
//! its images. Cores stay busy with decoding and encoding while the device works, as they are
//! busy with whole images on the CPU path; a bounded number of images waits at each step.
//!
//! **Invariant:** every image gets exactly one result, in input order. When the device fails,
//! the chunk in hand and every later one are resampled on the CPU from the same decoded pixels.

use std::sync::mpsc;

use rayon::prelude::*;

use crate::decode::{self, Decoded, Header};
use crate::encode::{self, Resampled};
use crate::gpu::{self, Footprint};
use crate::{ImageError, ImageOptions, PipelineSettings, ProcessedImage, cpu, plan};

type Results = Vec<Result<ProcessedImage, ImageError>>;
type Chunk = Vec<(usize, Result<Decoded, ImageError>)>;
type ResampledChunk = Vec<(usize, Result<Resampled, ImageError>)>;

pub(crate) fn process(
    context: &gpu::Context,
    images: &[&[u8]],
    headers: Vec<Result<Header, ImageError>>,
    options: &ImageOptions,
    settings: &PipelineSettings,
    on_failure: &(dyn Fn(String) + Sync),
) -> Results {
    let max_pixels = settings.max_pixels;
    let mut results: Vec<Option<Result<ProcessedImage, ImageError>>> = (0..images.len()).map(|_| None).collect();
    let mut for_device = Vec::new();
    let mut cpu_only = Vec::new();
    for (index, header) in headers.into_iter().enumerate() {
        match header {
            Err(error) => results[index] = Some(Err(error)),
            Ok(h) => match Footprint::of(h.width, h.height, &plan::plan(h.width, h.height, options)) {
                needs if context.fits_alone(&needs) => for_device.push((index, needs)),
                _ => cpu_only.push(index),
            },
        }
    }
    // Images decoded or decoding ahead of the device, and images waiting for or in encoding.
    let ahead = 2 * rayon::current_num_threads().max(2);
    let (decoded_in, decoded_out) = mpsc::channel::<(usize, Footprint, Result<Decoded, ImageError>)>();
    let (done_in, done_out) = mpsc::channel::<(usize, Result<ProcessedImage, ImageError>)>();
    rayon::in_place_scope(|scope| {
        for &index in &cpu_only {
            let done = done_in.clone();
            scope.spawn(move |_| drop(done.send((index, cpu::process(images[index], options, max_pixels)))));
        }
        let mut to_decode = for_device.into_iter();
        let (mut decoding, mut encoding) = (0, 0);
        let mut healthy = true;
        let mut chunk: Chunk = Vec::new();
        let mut footprint = Footprint::default();
        let mut held = None;
        loop {
            while decoding < ahead {
                let Some((index, needs)) = to_decode.next() else { break };
                let decoded = decoded_in.clone();
                scope.spawn(move |_| drop(decoded.send((index, needs, decode::decode(images[index], max_pixels)))));
                decoding += 1;
            }
            // Wait for an image only when there is nothing to submit.
            let next = match held.take() {
                Some(next) => Some(next),
                None if chunk.is_empty() && decoding == 0 => break,
                None if chunk.is_empty() => decoded_out.recv().ok().inspect(|_| decoding -= 1),
                None => decoded_out.try_recv().ok().inspect(|_| decoding -= 1),
            };
            if let Some((index, needs, decoded)) = next {
                if chunk.is_empty() || context.fits(&footprint.add(needs)) {
                    chunk.push((index, decoded));
                    footprint = footprint.add(needs);
                    continue;
                }
                held = Some((index, needs, decoded));
            }
            let ready = std::mem::take(&mut chunk);
            footprint = Footprint::default();
            let resampled = if healthy {
                resample_on_gpu(context, ready, options).unwrap_or_else(|(why, ready)| {
                    healthy = false;
                    on_failure(why);
                    resample_on_cpu(ready, options)
                })
            } else {
                resample_on_cpu(ready, options)
            };
            for (index, resampled) in resampled {
                while encoding >= ahead {
                    let Ok((index, result)) = done_out.recv() else { break };
                    results[index] = Some(result);
                    encoding -= 1;
                }
                let done = done_in.clone();
                scope.spawn(move |_| drop(done.send((index, resampled.and_then(|r| encode::finish(r, options))))));
                encoding += 1;
            }
        }
    });
    drop(done_in);
    for (index, result) in done_out {
        results[index] = Some(result);
    }
    results.into_iter().map(|result| result.unwrap_or_else(|| Err(lost()))).collect()
}

/// A result that went missing between the stages: a bug, reported rather than panicking.
fn lost() -> ImageError {
    ImageError::Resize { width: 0, height: 0, message: "internal error: the image was lost between the pipeline's stages".into() }
}

/// The chunk on the device; on failure the reason and the chunk back, for the CPU.
fn resample_on_gpu(context: &gpu::Context, chunk: Chunk, options: &ImageOptions) -> Result<ResampledChunk, (String, Chunk)> {
    let plans: Vec<_> =
        chunk.iter().map(|(_, d)| d.as_ref().ok().map(|d| plan::plan(d.pixels.width, d.pixels.height, options))).collect();
    let inputs: Vec<_> =
        chunk.iter().zip(&plans).filter_map(|((_, d), plan)| Some((&d.as_ref().ok()?.pixels, plan.as_ref()?))).collect();
    let outputs = match context.resample(&inputs) {
        Ok(outputs) => outputs,
        Err(why) => return Err((why, chunk)),
    };
    let mut outputs = outputs.into_iter();
    Ok(chunk
        .into_iter()
        .map(|(index, decoded)| {
            let resampled = decoded.and_then(|decoded| {
                // One output per decoded image, in order: `inputs` skipped exactly the errors.
                let output = outputs.next().ok_or_else(lost)?;
                let source = &decoded.pixels;
                Ok(Resampled {
                    width: source.width,
                    height: source.height,
                    has_alpha: decoded.has_alpha,
                    sizes: output.sizes.into_iter().map(|size| size.unwrap_or_else(|| source.clone())).collect(),
                    placeholder: output.placeholder,
                })
            });
            (index, resampled)
        })
        .collect())
}

fn resample_on_cpu(chunk: Chunk, options: &ImageOptions) -> ResampledChunk {
    chunk.into_par_iter().map(|(index, decoded)| (index, decoded.and_then(|d| cpu::resample_all(&d, options)))).collect()
}
