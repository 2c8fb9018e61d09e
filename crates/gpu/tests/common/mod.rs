//! The test set, generated in code, and helpers to look at what the pipeline produced.
//! Each test binary uses a part of it.

#![allow(dead_code)]

use eghact_gpu::{Format, ImageOptions, ProcessedImage};
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, Frame, ImageEncoder, RgbaImage};

/// A deterministic xorshift generator, so every run sees the same images.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn byte(&mut self) -> u8 {
        (self.next() >> 24) as u8
    }
}

/// Pixels drawn by `pixel(x, y)`, RGBA.
pub fn draw(width: u32, height: u32, mut pixel: impl FnMut(u32, u32) -> [u8; 4]) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| image::Rgba(pixel(x, y)))
}

/// Smooth colour ramps: where float and fixed-point filters agree best.
pub fn gradient(width: u32, height: u32) -> RgbaImage {
    draw(width, height, |x, y| {
        let fx = x as f32 / width.max(2) as f32;
        let fy = y as f32 / height.max(2) as f32;
        [(fx * 255.0) as u8, (fy * 255.0) as u8, ((1.0 - fx * fy) * 255.0) as u8, 255]
    })
}

/// Black and white cells and a diagonal: the worst case for ringing and rounding.
pub fn edges(width: u32, height: u32) -> RgbaImage {
    draw(width, height, |x, y| {
        let cell = ((x / 7) + (y / 7)) % 2 == 0;
        let v = if x == y || cell { 255 } else { 0 };
        [v, 255 - v, v / 2, 255]
    })
}

/// Photo-like: a gradient with per-pixel noise.
pub fn photo(width: u32, height: u32, seed: u64) -> RgbaImage {
    let mut noise = Noise::new(seed);
    let base = gradient(width, height);
    draw(width, height, |x, y| {
        let p = base.get_pixel(x, y).0;
        let mut jitter = |c: u8| c.saturating_add(noise.byte() % 24).saturating_sub(12);
        [jitter(p[0]), jitter(p[1]), jitter(p[2]), 255]
    })
}

/// Transparency of every kind: a radial alpha ramp, fully transparent corners with colour
/// under them, and cells of alpha 1 to 4 with saturated colours (premultiplication precision).
pub fn alpha(width: u32, height: u32) -> RgbaImage {
    draw(width, height, |x, y| {
        let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
        let d = (((x as f32 - cx) / cx).powi(2) + ((y as f32 - cy) / cy).powi(2)).sqrt();
        let a = ((1.0 - d).clamp(0.0, 1.0) * 255.0) as u8;
        if (x / 5 + y / 5) % 9 == 0 {
            return [255, (x * 3) as u8, 0, 1 + ((x + y) % 4) as u8];
        }
        [(x * 255 / width.max(1)) as u8, 40, (y * 255 / height.max(1)) as u8, a]
    })
}

pub fn png(image: &RgbaImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub)
        .write_image(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgba8)
        .expect("PNG");
    bytes
}

pub fn png_rgb(image: &RgbaImage) -> Vec<u8> {
    let rgb: Vec<u8> = image.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub)
        .write_image(&rgb, image.width(), image.height(), ExtendedColorType::Rgb8)
        .expect("PNG");
    bytes
}

pub fn jpeg(image: &RgbaImage) -> Vec<u8> {
    let rgb: Vec<u8> = image.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 90)
        .write_image(&rgb, image.width(), image.height(), ExtendedColorType::Rgb8)
        .expect("JPEG");
    bytes
}

pub fn webp(image: &RgbaImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    WebPEncoder::new_lossless(&mut bytes)
        .write_image(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgba8)
        .expect("WebP");
    bytes
}

pub fn gif(frames: &[RgbaImage]) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        encoder.encode_frames(frames.iter().map(|f| Frame::new(f.clone()))).expect("GIF");
    }
    bytes
}

/// A JPEG with an EXIF block that says how to orient it (1 to 8).
pub fn jpeg_with_orientation(image: &RgbaImage, orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let plain = jpeg(image);
    let mut bytes = plain[..2].to_vec();
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    bytes.extend_from_slice(&app1);
    bytes.extend_from_slice(&plain[2..]);
    bytes
}

/// A PNG whose header claims `width` x `height` (the pixel data is that of a 1x1 image).
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(&gradient(1, 1));
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Every variant and the placeholder of `image` in PNG, decoded to RGBA.
pub fn decoded(image: &ProcessedImage) -> Vec<(String, RgbaImage)> {
    let mut all: Vec<_> = image.variants.iter().map(|v| (format!("{}x{} {}", v.width, v.height, v.format), v)).collect();
    all.push(("placeholder".into(), &image.placeholder));
    all.into_iter()
        .map(|(name, v)| {
            let pixels = image::load_from_memory(&v.bytes).expect("a variant decodes").to_rgba8();
            assert_eq!((pixels.width(), pixels.height()), (v.width, v.height), "{name}");
            (name, pixels)
        })
        .collect()
}

/// The largest difference of one channel between two images of the same size.
pub fn max_difference(a: &RgbaImage, b: &RgbaImage) -> u8 {
    assert_eq!(a.dimensions(), b.dimensions());
    a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0)
}

/// Lossless output, so that pixels can be compared.
pub fn png_options() -> ImageOptions {
    ImageOptions { formats: vec![Format::Png], ..ImageOptions::default() }
}

/// The generated test set: gradients, hard edges, alpha, odd sizes, one-pixel and thin images,
/// in every input format.
pub fn test_set() -> Vec<(String, Vec<u8>)> {
    vec![
        ("gradient 257x131 png".into(), png_rgb(&gradient(257, 131))),
        ("gradient 1000x333 jpeg".into(), jpeg(&gradient(1000, 333))),
        ("edges 641x479 png".into(), png_rgb(&edges(641, 479))),
        ("edges 2001x37 png".into(), png_rgb(&edges(2001, 37))),
        ("photo 1283x961 jpeg".into(), jpeg(&photo(1283, 961, 7))),
        ("alpha 333x222 png".into(), png(&alpha(333, 222))),
        ("alpha 1500x999 webp".into(), webp(&alpha(1500, 999))),
        ("alpha 701x1201 png".into(), png(&alpha(701, 1201))),
        ("one pixel rgb".into(), png_rgb(&gradient(1, 1))),
        ("one pixel transparent".into(), png(&draw(1, 1, |_, _| [10, 20, 30, 40]))),
        ("one column 1x300".into(), png_rgb(&edges(1, 300))),
        ("one row 3000x1".into(), png_rgb(&gradient(3000, 1))),
        ("gif 90x61".into(), gif(&[edges(90, 61)])),
    ]
}
