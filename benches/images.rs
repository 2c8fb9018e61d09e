//! Image benchmark: the responsive set of a generated 100-image asset folder through every
//! path, side by side.
//!
//! `cargo bench --bench images` writes 100 photo-like images (`EGHACT_BENCH_IMAGES`) of
//! 800x600 to 4000x3000 into a temporary folder, JPEG, with every seventh a PNG with
//! transparency, then makes the default responsive set of each (widths 320 to 1920 never
//! upscaled, WebP and JPEG or PNG at quality 80, a 16-px blurred placeholder) through:
//! 1. eghact-gpu on the GPU (`Backend::On`), when an adapter is usable: a CPU adapter such as
//!    lavapipe only with `EGHACT_GPU_ALLOW_CPU_ADAPTER=1`, and flagged in the output;
//! 2. eghact-gpu on the CPU (fast_image_resize on rayon);
//! 3. the image crate's `imageops::resize` (Lanczos3), on one thread and on rayon, with the
//!    same encoders as eghact-gpu;
//! 4. sharp (`benches/sharp`, pinned with a lock file), when node and its modules are there.
//!
//! For each: resampling alone in megapixels per second (source megapixels / time, from pixels
//! decoded beforehand, nothing encoded), and end to end (files in memory → decode → resize →
//! encode). Best of `EGHACT_BENCH_ITERS` (default 1) passes; ratios against eghact-gpu's CPU
//! path. `EGHACT_BENCH_SKIP_PEERS=1` runs only eghact-gpu, so that the prebuilt binary runs on a
//! GPU machine with nothing else installed; `EGHACT_BENCH_SWEEP=1` adds GPU against CPU end to
//! end on growing batches, device start-up included (where `--gpu auto` should switch).

mod harness;

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use eghact_gpu::bench::{self as stage, DecodedImage};
use eghact_gpu::{Backend, ImageOptions, ImagePipeline, PipelineSettings};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{DynamicImage, ExtendedColorType, ImageEncoder, RgbaImage};
use rayon::prelude::*;

const SIZES: [(u32, u32); 10] = [
    (800, 600),
    (1024, 768),
    (1280, 960),
    (1600, 1200),
    (1920, 1080),
    (2048, 1536),
    (2400, 1600),
    (3000, 2000),
    (3264, 2448),
    (4000, 3000),
];

/// Deterministic xorshift.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Photo-like pixels: a tilted colour gradient, soft blobs and sensor-like noise; with `alpha`,
/// a soft-edged cut-out on a transparent background.
fn photo(index: usize, width: u32, height: u32, alpha: bool) -> RgbaImage {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15 ^ index as u64);
    let blobs: Vec<(f32, f32, f32, [f32; 3])> = (0..6)
        .map(|_| {
            let r = |n: &mut Noise| (n.next() % 1000) as f32 / 1000.0;
            (
                r(&mut noise) * width as f32,
                r(&mut noise) * height as f32,
                0.1 + r(&mut noise) * 0.3,
                [r(&mut noise), r(&mut noise), r(&mut noise)],
            )
        })
        .collect();
    let mut pixels = vec![0u8; width as usize * height as usize * 4];
    pixels.par_chunks_mut(width as usize * 4).enumerate().for_each(|(y, row)| {
        let mut grain = Noise(index as u64 * 7919 + y as u64 + 1);
        let fy = y as f32 / height as f32;
        for (x, px) in row.chunks_exact_mut(4).enumerate() {
            let fx = x as f32 / width as f32;
            let mut c = [0.2 + 0.6 * fx, 0.3 + 0.4 * fy, 0.8 - 0.5 * (fx + fy) / 2.0];
            for &(bx, by, radius, colour) in &blobs {
                let d = ((x as f32 - bx).powi(2) + (y as f32 - by).powi(2)).sqrt() / (radius * width as f32);
                let weight = (1.0 - d).clamp(0.0, 1.0).powi(2);
                for (c, k) in c.iter_mut().zip(colour) {
                    *c += (k - *c) * weight;
                }
            }
            for (out, c) in px.iter_mut().zip(c) {
                *out = (c * 255.0 + (grain.next() % 17) as f32 - 8.0).clamp(0.0, 255.0) as u8;
            }
            let edge = ((fx - 0.5).powi(2) + (fy - 0.5).powi(2)).sqrt() * 2.0;
            px[3] = if alpha { (((1.0 - edge) * 4.0).clamp(0.0, 1.0) * 255.0) as u8 } else { 255 };
        }
    });
    RgbaImage::from_raw(width, height, pixels).unwrap_or_default()
}

fn encode_input(image: &RgbaImage, alpha: bool) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let (w, h) = image.dimensions();
    if alpha {
        PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, PngFilter::Adaptive)
            .write_image(image.as_raw(), w, h, ExtendedColorType::Rgba8)
            .map_err(|e| e.to_string())?;
    } else {
        let rgb = DynamicImage::ImageRgba8(image.clone()).into_rgb8();
        JpegEncoder::new_with_quality(&mut bytes, 90)
            .write_image(rgb.as_raw(), w, h, ExtendedColorType::Rgb8)
            .map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

/// The asset folder: files on disk (sharp reads them) and their bytes in memory.
fn asset_folder(dir: &Path, count: usize) -> Result<Vec<Vec<u8>>, String> {
    (0..count)
        .into_par_iter()
        .map(|i| {
            let (w, h) = SIZES[i % SIZES.len()];
            let alpha = i % 7 == 3;
            let bytes = encode_input(&photo(i, w, h, alpha), alpha)?;
            let path = dir.join(format!("img{i:03}.{}", if alpha { "png" } else { "jpg" }));
            std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(bytes)
        })
        .collect()
}

/// The widths of one image: mirrors gpu/src/plan.rs (and benches/sharp/responsive.mjs).
fn responsive_sizes(width: u32, height: u32, widths: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<u32> = widths.iter().copied().filter(|&w| w <= width).collect();
    if widths.last().is_some_and(|&largest| width < largest) && out.last() != Some(&width) {
        out.push(width);
    }
    out.into_iter()
        .map(|w| (w, ((u64::from(height) * u64::from(w) * 2 + u64::from(width)) / (2 * u64::from(width))).max(1) as u32))
        .collect()
}

/// The image crate's path for one image: every size and the placeholder, encoded (`encode`) or
/// not. The sizes of the image's own width are the decoded pixels, as in eghact-gpu.
fn image_crate_set(image: &DynamicImage, options: &ImageOptions, encode: bool) -> Result<usize, String> {
    let alpha = image.color().has_alpha();
    let mut bytes = 0;
    for (w, h) in responsive_sizes(image.width(), image.height(), &options.widths) {
        let resized = if (w, h) == (image.width(), image.height()) {
            image.clone()
        } else {
            image.resize_exact(w, h, FilterType::Lanczos3)
        };
        if encode {
            bytes += encode_webp(&resized, options.quality)?.len();
            let mut out = Vec::new();
            if alpha {
                PngEncoder::new_with_quality(&mut out, CompressionType::Default, PngFilter::Adaptive)
                    .write_image(resized.to_rgba8().as_raw(), w, h, ExtendedColorType::Rgba8)
                    .map_err(|e| e.to_string())?;
            } else {
                let mut encoder = jpeg_encoder::Encoder::new(&mut out, options.quality);
                encoder.set_optimized_huffman_tables(true);
                encoder
                    .encode(resized.to_rgb8().as_raw(), w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
                    .map_err(|e| e.to_string())?;
            }
            bytes += out.len();
        }
    }
    let width = options.placeholder_width.min(image.width());
    let placeholder = image.resize(width, u32::MAX, FilterType::Lanczos3).blur(1.0);
    if encode {
        bytes += encode_webp(&placeholder, 50)?.len();
    }
    Ok(bytes)
}

fn encode_webp(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    let rgba;
    let rgb;
    let encoder = if image.color().has_alpha() {
        rgba = image.to_rgba8();
        webp::Encoder::from_rgba(rgba.as_raw(), image.width(), image.height())
    } else {
        rgb = image.to_rgb8();
        webp::Encoder::from_rgb(rgb.as_raw(), image.width(), image.height())
    };
    encoder.encode_simple(false, f32::from(quality)).map(|m| m.to_vec()).map_err(|e| format!("{e:?}"))
}

/// The best time in ms of `iters` runs of `work`.
fn best(iters: usize, mut work: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    harness::best(iters, || {
        let started = Instant::now();
        work()?;
        Ok((started.elapsed().as_secs_f64() * 1000.0, ()))
    })
    .map(|(ms, ())| ms)
}

struct Row {
    path: String,
    resize_ms: f64,
    end_to_end_ms: f64,
}

fn eghact_end_to_end(pipeline: &ImagePipeline, inputs: &[&[u8]], options: &ImageOptions) -> Result<(), String> {
    let results = pipeline.process(inputs, options);
    if let Some(error) = results.iter().find_map(|r| r.as_ref().err()) {
        return Err(error.to_string());
    }
    match pipeline.take_warnings() {
        warnings if warnings.is_empty() => Ok(()),
        warnings => Err(warnings.join("; ")),
    }
}

fn gpu_settings() -> PipelineSettings {
    PipelineSettings { allow_cpu_adapter: harness::flag("EGHACT_GPU_ALLOW_CPU_ADAPTER"), ..PipelineSettings::default() }
}

fn sharp(dir: &Path, iters: usize) -> Result<(f64, f64, String), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sharp");
    if !root.join("node_modules/sharp").is_dir() {
        return Err("run `(cd benches/sharp && npm ci)` first".into());
    }
    let output = Command::new("node")
        .arg(root.join("responsive.mjs"))
        .arg(dir)
        .args(["--iterations", &iters.to_string()])
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    let ms = |key: &str| json[key].as_f64().ok_or(format!("no {key} in {json}"));
    Ok((ms("resize_ms")?, ms("end_to_end_ms")?, format!("sharp {} (libvips {})", json["sharp"], json["vips"]).replace('"', "")))
}

fn run() -> Result<(), String> {
    let count = harness::number("EGHACT_BENCH_IMAGES", 100).max(1);
    let iters = harness::number("EGHACT_BENCH_ITERS", 1).max(1);
    let skip_peers = harness::flag("EGHACT_BENCH_SKIP_PEERS");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = ImageOptions::default();

    let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let files = asset_folder(folder.path(), count)?;
    let inputs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let decoded: Vec<DecodedImage> =
        inputs.par_iter().map(|b| stage::decode(b)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let megapixels: f64 = decoded.iter().map(DecodedImage::megapixels).sum();
    let file_mb = files.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!(
        "eghact image benchmark: {count} images, {megapixels:.0} megapixels ({file_mb:.0} MB of JPEG and PNG), {cores} cores, best of {iters} \
         (folder generated in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let mut rows = Vec::new();

    let gpu = ImagePipeline::with_settings(Backend::On, gpu_settings());
    let name = gpu.backend_name();
    if name.starts_with("gpu") {
        let setup = Instant::now();
        gpu.resample_gpu(&decoded[..1], &options)?;
        println!("  {name}: device and pipelines ready in {:.0} ms", setup.elapsed().as_secs_f64() * 1000.0);
        let resize_ms = best(iters, || gpu.resample_gpu(&decoded, &options))?;
        if let Some(times) = gpu.gpu_stage_times() {
            println!("  GPU resampling alone, all passes: {times}");
        }
        let end_to_end_ms = best(iters, || eghact_end_to_end(&gpu, &inputs, &options))?;
        if name.contains("CPU adapter") {
            println!("  (a CPU adapter runs the shaders on the CPU: its figures test the GPU path, they say nothing of a GPU)");
        }
        rows.push(Row { path: "eghact-gpu, GPU path".into(), resize_ms, end_to_end_ms });
    } else {
        println!("  GPU path skipped: {name} (EGHACT_GPU_ALLOW_CPU_ADAPTER=1 accepts lavapipe)");
    }

    let cpu = ImagePipeline::new(Backend::Off);
    let resize_ms = best(iters, || stage::resample_cpu(&decoded, &options).map_err(|e| e.to_string()))?;
    let end_to_end_ms = best(iters, || eghact_end_to_end(&cpu, &inputs, &options))?;
    let cpu_row = rows.len();
    rows.push(Row { path: "eghact-gpu, CPU path (fast_image_resize, rayon)".into(), resize_ms, end_to_end_ms });
    drop(decoded);

    if !skip_peers {
        let images: Vec<DynamicImage> =
            inputs.par_iter().map(|b| image::load_from_memory(b)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
        let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().map_err(|e| e.to_string())?;
        let resize = |encode: bool| images.par_iter().try_for_each(|i| image_crate_set(i, &options, encode).map(drop));
        let end_to_end = || {
            inputs.par_iter().try_for_each(|b| {
                let image = image::load_from_memory(b).map_err(|e| e.to_string())?;
                image_crate_set(&image, &options, true).map(drop)
            })
        };
        let resize_one = best(iters, || one_thread.install(|| resize(false)))?;
        let end_to_end_one = best(iters, || one_thread.install(end_to_end))?;
        rows.push(Row { path: "image 0.25 resize, one thread".into(), resize_ms: resize_one, end_to_end_ms: end_to_end_one });
        let resize_all = best(iters, || resize(false))?;
        let end_to_end_all = best(iters, end_to_end)?;
        rows.push(Row { path: "image 0.25 resize, rayon".into(), resize_ms: resize_all, end_to_end_ms: end_to_end_all });
        drop(images);
        match sharp(folder.path(), iters) {
            Ok((resize_ms, end_to_end_ms, version)) => rows.push(Row { path: version, resize_ms, end_to_end_ms }),
            Err(why) => println!("  sharp skipped: {why}"),
        }
    }

    let (base_resize, base_e2e) = (rows[cpu_row].resize_ms, rows[cpu_row].end_to_end_ms);
    println!("\n  {:<50} {:>12} {:>9} {:>12} {:>9}", "path", "resize MP/s", "ratio", "end to end", "ratio");
    for row in &rows {
        let (resize, e2e) = (row.resize_ms, row.end_to_end_ms);
        println!(
            "  {:<50} {:>12.0} {:>8.2}x {:>10.2} s {:>8.2}x",
            row.path,
            megapixels / resize * 1000.0,
            base_resize / resize,
            e2e / 1000.0,
            base_e2e / e2e
        );
    }
    println!("  (ratio: eghact-gpu's CPU path time / this path's time; above 1 is faster than it)");

    if harness::flag("EGHACT_BENCH_SWEEP") && name.starts_with("gpu") {
        println!("\n  GPU vs CPU end to end by batch size (a new GPU pipeline each time: device start-up included)");
        for n in [1, 2, 4, 8, 16, 32, 64, count].into_iter().filter(|&n| n <= count) {
            let batch = &inputs[..n];
            let mp: f64 = (0..n).map(|i| SIZES[i % SIZES.len()]).map(|(w, h)| f64::from(w) * f64::from(h) / 1e6).sum();
            let gpu_ms =
                best(iters, || eghact_end_to_end(&ImagePipeline::with_settings(Backend::On, gpu_settings()), batch, &options))?;
            let cpu_ms = best(iters, || eghact_end_to_end(&cpu, batch, &options))?;
            println!(
                "  {n:>4} images {mp:>7.0} MP: gpu {:>8.0} ms, cpu {:>8.0} ms, gpu/cpu {:.2}",
                gpu_ms,
                cpu_ms,
                gpu_ms / cpu_ms
            );
        }
    }
    if harness::flag("EGHACT_BENCH_KEEP") {
        println!("  folder kept: {}", folder.keep().display());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
