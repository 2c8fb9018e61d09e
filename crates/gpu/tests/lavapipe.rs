//! The real shaders on Mesa's lavapipe (a Vulkan driver on the CPU, Debian's
//! `mesa-vulkan-drivers`, installed by `scripts/test.sh`), against the CPU backend on the
//! generated test set: every pixel of every variant and placeholder within ±1 per channel.
//! Also the fallback when the device is lost in the middle of a batch.

mod common;

use common::*;
use eghact_gpu::{Backend, ImageOptions, ImagePipeline, PipelineSettings, ProcessedImage};

/// The GPU path forced onto lavapipe: `allow_cpu_adapter` is the one way to use a CPU adapter.
fn lavapipe(settings: PipelineSettings) -> ImagePipeline {
    let pipeline = ImagePipeline::with_settings(Backend::On, PipelineSettings { allow_cpu_adapter: true, ..settings });
    let name = pipeline.backend_name();
    assert!(
        name.starts_with("gpu ("),
        "no Vulkan adapter ({name}); install Mesa's lavapipe: apt-get install mesa-vulkan-drivers (scripts/test.sh does)"
    );
    pipeline
}

fn inputs(set: &[(String, Vec<u8>)]) -> Vec<&[u8]> {
    set.iter().map(|(_, bytes)| bytes.as_slice()).collect()
}

/// The largest per-channel difference over every variant and placeholder of two results.
fn compare(name: &str, gpu: &ProcessedImage, cpu: &ProcessedImage) -> u8 {
    assert_eq!((gpu.width, gpu.height, gpu.has_alpha), (cpu.width, cpu.height, cpu.has_alpha), "{name}");
    let (gpu, cpu) = (decoded(gpu), decoded(cpu));
    assert_eq!(gpu.len(), cpu.len(), "{name}");
    let mut worst = 0;
    for ((variant, g), (_, c)) in gpu.iter().zip(&cpu) {
        let difference = max_difference(g, c);
        assert!(difference <= 1, "{name}, {variant}: GPU and CPU differ by {difference}");
        worst = worst.max(difference);
    }
    worst
}

#[test]
fn gpu_and_cpu_agree_within_one_on_the_test_set() {
    let mut set = test_set();
    // A very large one: 24 megapixels, every width and a 16-px placeholder from 6000 columns.
    set.push(("photo 6000x4000 jpeg".into(), jpeg(&photo(6000, 4000, 11))));
    let options = png_options();
    let gpu = lavapipe(PipelineSettings::default());
    let gpu_results = gpu.process(&inputs(&set), &options);
    assert!(gpu.take_warnings().is_empty(), "the GPU path ran without falling back");
    let cpu_results = ImagePipeline::new(Backend::Off).process(&inputs(&set), &options);
    let (mut opaque, mut transparent) = (0, 0);
    for (((name, _), g), c) in set.iter().zip(&gpu_results).zip(&cpu_results) {
        let (g, c) = (g.as_ref().expect(name), c.as_ref().expect(name));
        let difference = compare(name, g, c);
        if g.has_alpha {
            transparent = transparent.max(difference);
        } else {
            // The 8-bit path is fast_image_resize's integer arithmetic, replayed exactly.
            assert_eq!(g, c, "{name}: opaque images are byte-identical");
            opaque = opaque.max(difference);
        }
    }
    eprintln!("largest GPU-CPU difference per channel: opaque images {opaque}, images with transparency {transparent}");
}

#[test]
fn every_format_encodes_from_gpu_pixels() {
    let set = [png(&alpha(400, 300)), jpeg(&photo(700, 500, 2))];
    let refs: Vec<&[u8]> = set.iter().map(Vec::as_slice).collect();
    let gpu = lavapipe(PipelineSettings::default());
    let results = gpu.process(&refs, &ImageOptions::default());
    assert!(gpu.take_warnings().is_empty(), "the GPU path ran without falling back");
    for result in results {
        let image = result.expect("processed");
        assert!(!image.variants.is_empty() && !image.placeholder.bytes.is_empty());
    }
}

#[test]
fn a_device_lost_mid_batch_falls_back_to_the_cpu_with_the_same_results() {
    let set: Vec<(String, Vec<u8>)> =
        (0..6).map(|i| (format!("photo {i}"), png_rgb(&photo(900 + 37 * i, 500 + 11 * i, i as u64)))).collect();
    let options = png_options();
    // About one image per submission; the device goes away before the third.
    let settings =
        PipelineSettings { gpu_memory_budget: 12 << 20, simulate_device_loss_after: Some(2), ..PipelineSettings::default() };
    let gpu = lavapipe(settings);
    let results = gpu.process(&inputs(&set), &options);
    let warnings = gpu.take_warnings();
    eprintln!("{warnings:?}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("GPU failed") && warnings[0].contains("CPU"), "{warnings:?}");
    assert!(gpu.backend_name().starts_with("cpu (GPU failed"), "{}", gpu.backend_name());

    let cpu = ImagePipeline::new(Backend::Off).process(&inputs(&set), &options);
    let identical = results.iter().zip(&cpu).filter(|(g, c)| g == c).count();
    eprintln!("{identical} of {} identical", set.len());
    for (((name, _), g), c) in set.iter().zip(&results).zip(&cpu) {
        compare(name, g.as_ref().expect(name), c.as_ref().expect(name));
    }
    // The images after the loss were resampled on the CPU: byte for byte the CPU's results.
    assert!(identical >= set.len() - 2, "{identical} of {} identical to the CPU", set.len());

    // Later batches stay on the CPU without new warnings.
    let again = gpu.process(&inputs(&set[..1]), &options);
    assert_eq!(again[0], cpu[0]);
    assert!(gpu.take_warnings().is_empty());
}

#[test]
fn auto_never_picks_a_cpu_adapter() {
    let settings = PipelineSettings { allow_cpu_adapter: true, auto_min_megapixels: 0.0, ..PipelineSettings::default() };
    let auto = ImagePipeline::with_settings(Backend::Auto, settings);
    assert!(auto.backend_name().starts_with("auto: cpu, gpu for batches of at least 0 megapixels"), "{}", auto.backend_name());
    let bytes = png_rgb(&gradient(300, 200));
    let result = auto.process(&[&bytes], &png_options());
    assert_eq!(result, ImagePipeline::new(Backend::Off).process(&[&bytes], &png_options()));
    // The batch was large enough, so `Auto` looked for an adapter and found only lavapipe.
    assert!(auto.backend_name().starts_with("cpu (no usable GPU adapter"), "{}", auto.backend_name());
    assert!(auto.take_warnings().is_empty(), "no GPU is not a failure for `auto`");
}
