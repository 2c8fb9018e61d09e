//! The pipeline's contract on the CPU backend: which variants an image gets, formats, alpha,
//! orientation, placeholders, determinism, and clear errors for bad input.

mod common;

use common::*;
use eghact_gpu::{Backend, Format, ImageError, ImageOptions, ImagePipeline, PipelineSettings, ProcessedImage};

fn process_one(bytes: &[u8], options: &ImageOptions) -> Result<ProcessedImage, ImageError> {
    ImagePipeline::new(Backend::Off).process(&[bytes], options).remove(0)
}

fn sizes(image: &ProcessedImage) -> Vec<(Format, u32, u32)> {
    image.variants.iter().map(|v| (v.format, v.width, v.height)).collect()
}

#[test]
fn a_large_photo_gets_every_width_in_webp_and_jpeg() {
    let image = process_one(&jpeg(&photo(2400, 1600, 1)), &ImageOptions::default()).expect("processed");
    assert_eq!((image.width, image.height, image.has_alpha), (2400, 1600, false));
    let mut expected = Vec::new();
    for format in [Format::Jpeg, Format::Webp] {
        for (w, h) in [(320, 213), (640, 427), (960, 640), (1280, 853), (1920, 1280)] {
            expected.push((format, w, h));
        }
    }
    assert_eq!(sizes(&image), expected);
    for variant in &image.variants {
        let format = image::guess_format(&variant.bytes).expect("known format");
        assert_eq!(format.to_mime_type(), variant.format.mime());
    }
    let p = &image.placeholder;
    assert_eq!((p.width, p.height, p.format), (16, 11, Format::Webp));
    assert!(p.bytes.len() < 400, "placeholder of {} bytes", p.bytes.len());
}

#[test]
fn a_small_image_keeps_its_own_width_and_is_never_upscaled() {
    let image = process_one(&png_rgb(&gradient(500, 250)), &png_options()).expect("processed");
    assert_eq!(sizes(&image), vec![(Format::Png, 320, 160), (Format::Png, 500, 250)]);
    // The original width is a copy of the decoded pixels.
    let (_, original) = &decoded(&image)[1];
    assert_eq!(max_difference(original, &gradient(500, 250)), 0);
}

#[test]
fn transparency_turns_jpeg_into_png_and_survives_resampling() {
    let image = process_one(&png(&alpha(700, 500)), &ImageOptions::default()).expect("processed");
    assert!(image.has_alpha);
    assert!(image.variants.iter().all(|v| v.format != Format::Jpeg));
    assert_eq!(sizes(&image).iter().filter(|(f, ..)| *f == Format::Png).count(), 3);
    let small = image.variants.iter().find(|v| v.format == Format::Png && v.width == 320).expect("320 PNG");
    let pixels = image::load_from_memory(&small.bytes).expect("decodes").to_rgba8();
    assert!(pixels.get_pixel(0, 0)[3] < 5, "corners stay (nearly) transparent");
    let center = pixels.get_pixel(160, 114);
    assert!(center[3] > 200 && center[1] > 30 && center[1] < 50, "centre {center:?}");
}

#[test]
fn an_opaque_alpha_channel_does_not_count_as_transparency() {
    let image = process_one(&png(&gradient(400, 300)), &ImageOptions::default()).expect("processed");
    assert!(!image.has_alpha);
    assert!(image.variants.iter().any(|v| v.format == Format::Jpeg));
}

#[test]
fn exif_orientation_is_applied() {
    // Left half red, right half blue; orientation 6 turns it 90 degrees clockwise.
    let source = draw(40, 20, |x, _| if x < 20 { [255, 0, 0, 255] } else { [0, 0, 255, 255] });
    let image = process_one(&jpeg_with_orientation(&source, 6), &png_options()).expect("processed");
    assert_eq!((image.width, image.height), (20, 40));
    let (_, pixels) = &decoded(&image)[0];
    let (top, bottom) = (pixels.get_pixel(10, 5), pixels.get_pixel(10, 35));
    assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
}

#[test]
fn a_gif_gives_its_first_frame() {
    let red = draw(30, 30, |_, _| [255, 0, 0, 255]);
    let green = draw(30, 30, |_, _| [0, 255, 0, 255]);
    let image = process_one(&gif(&[red, green]), &png_options()).expect("processed");
    let (_, pixels) = &decoded(&image)[0];
    assert_eq!(pixels.get_pixel(15, 15).0, [255, 0, 0, 255]);
}

#[test]
fn every_input_format_and_odd_size_decodes() {
    let pipeline = ImagePipeline::new(Backend::Off);
    let set = test_set();
    let inputs: Vec<&[u8]> = set.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    for ((name, _), result) in set.iter().zip(pipeline.process(&inputs, &ImageOptions::default())) {
        let image = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!image.variants.is_empty(), "{name}");
        assert!(image.placeholder.width >= 1 && image.placeholder.width <= 16, "{name}");
    }
    assert!(pipeline.take_warnings().is_empty());
}

#[test]
fn the_placeholder_is_blurred() {
    let image = process_one(&png_rgb(&edges(160, 160)), &png_options()).expect("processed");
    let (_, placeholder) = decoded(&image).pop().expect("placeholder");
    assert_eq!(placeholder.dimensions(), (16, 16));
    let (low, high) = placeholder.pixels().fold((255, 0), |(lo, hi), p| (p[0].min(lo), p[0].max(hi)));
    assert!(high - low < 90, "a blurred checkerboard is nearly flat: {low}..{high}");
}

#[test]
fn output_bytes_are_deterministic() {
    let set = test_set();
    let inputs: Vec<&[u8]> = set.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    let first = ImagePipeline::new(Backend::Off).process(&inputs, &ImageOptions::default());
    let second = ImagePipeline::new(Backend::Off).process(&inputs, &ImageOptions::default());
    assert_eq!(first, second);
}

#[test]
fn an_empty_batch_gives_no_results() {
    assert!(ImagePipeline::new(Backend::Auto).process(&[], &ImageOptions::default()).is_empty());
}

fn error_of(bytes: &[u8]) -> ImageError {
    process_one(bytes, &ImageOptions::default()).expect_err("refused")
}

#[test]
fn corrupt_and_truncated_images_give_clear_errors() {
    let png_bytes = png(&photo(200, 150, 3));
    let jpeg_bytes = jpeg(&photo(200, 150, 3));
    let webp_bytes = webp(&photo(200, 150, 3));
    let gif_bytes = gif(&[photo(200, 150, 3)]);
    for (name, bytes) in [
        ("truncated PNG", &png_bytes[..png_bytes.len() / 2]),
        ("truncated JPEG", &jpeg_bytes[..jpeg_bytes.len() * 2 / 3]),
        ("truncated WebP", &webp_bytes[..webp_bytes.len() / 2]),
        ("truncated GIF", &gif_bytes[..gif_bytes.len() / 2]),
        ("PNG signature only", &png_bytes[..8]),
    ] {
        match error_of(bytes) {
            ImageError::Decode { format, message } => assert!(!format.is_empty() && !message.is_empty(), "{name}"),
            other => panic!("{name}: {other}"),
        }
    }
    let mut corrupt = png_bytes.clone();
    corrupt[40..200].fill(0x5A);
    assert!(matches!(error_of(&corrupt), ImageError::Decode { format: "PNG", .. }));
    let message = error_of(&jpeg_bytes[..jpeg_bytes.len() / 2]).to_string();
    assert!(message.contains("JPEG") && message.contains("truncated"), "{message}");
}

#[test]
fn unsupported_and_empty_inputs_are_named() {
    assert!(matches!(error_of(b""), ImageError::Unsupported(m) if m.contains("empty")));
    assert!(matches!(error_of(b"hello, not an image"), ImageError::Unsupported(m) if m.contains("not recognised")));
    let bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\x18\0\0\0\0\0\x04\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xff\0\0\0";
    let message = error_of(bmp).to_string();
    assert!(message.contains("Bmp") && message.contains("supported: PNG, JPEG, WebP and GIF"), "{message}");
}

#[test]
fn zero_size_images_are_refused() {
    for (width, height) in [(0, 10), (10, 0), (0, 0)] {
        let error = error_of(&png_claiming(width, height));
        assert!(
            matches!(error, ImageError::Empty { .. } | ImageError::Decode { format: "PNG", .. }),
            "{width}x{height}: {error}"
        );
    }
}

#[test]
fn gigantic_images_are_refused_before_decoding() {
    let started = std::time::Instant::now();
    let error = error_of(&png_claiming(100_000, 100_000));
    assert_eq!(error, ImageError::TooLarge { width: 100_000, height: 100_000, limit: 100_000_000 });
    assert_eq!(error.to_string(), "the image is 100000x100000 (10000.0 megapixels), above the limit of 100.0 megapixels");
    assert!(started.elapsed().as_secs() < 2, "nothing was decoded");

    let settings = PipelineSettings { max_pixels: 10_000, ..PipelineSettings::default() };
    let results =
        ImagePipeline::with_settings(Backend::Off, settings).process(&[&png(&gradient(101, 100))], &ImageOptions::default());
    assert!(matches!(results[0], Err(ImageError::TooLarge { width: 101, height: 100, limit: 10_000 })));
}

#[test]
fn mutated_images_never_panic() {
    let originals = [png(&alpha(64, 48)), jpeg(&photo(64, 48, 5)), webp(&alpha(64, 48)), gif(&[edges(64, 48)])];
    let mut noise = Noise::new(99);
    let mut inputs = Vec::new();
    for original in &originals {
        for _ in 0..60 {
            let mut bytes = original.clone();
            for _ in 0..1 + noise.next() % 4 {
                let at = (noise.next() % bytes.len() as u64) as usize;
                bytes[at] = noise.byte();
            }
            let keep = bytes.len() - noise.next().is_multiple_of(3) as usize * (noise.next() as usize % bytes.len());
            bytes.truncate(keep);
            inputs.push(bytes);
        }
    }
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let results = ImagePipeline::new(Backend::Off).process(&refs, &ImageOptions::default());
    assert_eq!(results.len(), inputs.len());
    for result in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(!result.to_string().is_empty());
    }
}

#[test]
fn backend_and_format_names_parse() {
    assert_eq!("auto".parse(), Ok(Backend::Auto));
    assert_eq!("on".parse(), Ok(Backend::On));
    assert_eq!("off".parse(), Ok(Backend::Off));
    assert!("gpu".parse::<Backend>().unwrap_err().contains("auto, on or off"));
    assert_eq!("JPG".parse(), Ok(Format::Jpeg));
    assert_eq!((Format::Webp.extension(), Format::Webp.mime()), ("webp", "image/webp"));
    assert_eq!(ImagePipeline::new(Backend::Off).backend_name(), "cpu");
}
