//! Images that components reference (`<img src="./a.png">`, a static `srcset`, CSS `url(./a.png)`):
//! finding the references, the boundary to the pixel pipeline, and what the compiler is told of
//! a processed image.
//!
//! The pixels are not processed here: a build hands the image bytes to an [`ImageProcessor`]
//! (the root package adapts the `eghact-gpu` crate's wgpu/CPU pipeline to it), so that neither
//! the engine nor the language server depends on wgpu. A build without a processor (the
//! language server's builds today) copies images unchanged, like any other file, and leaves
//! `src` and `url(…)` as written.
//!
//! Invariant: a processor's output is a pure function of the image bytes, the [`AssetOptions`]
//! and its [`ImageProcessor::version`]; those three are the image's cache key, and a component
//! that references the image has that key among its own inputs.

mod references;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use references::{IMAGE_EXTENSIONS, ImageReference, image_references, is_image_specifier, srcset_urls};

/// The folder of processed images inside the output folder.
pub const ASSETS_DIR: &str = "assets";

/// An output format of processed images.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    #[serde(alias = "jpg")]
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }
}

/// `[assets]` of `eghact.toml`: what every processed image becomes. Part of every image's
/// cache key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssetOptions {
    /// Widths of the variants, in pixels; an image is never enlarged, so a processor makes the
    /// widths up to the image's own (and the image's own width when none fits).
    pub widths: Vec<u32>,
    /// Output formats, most preferred first. The last one is the fallback that `<img>` and
    /// CSS use; with several, an `<img>` becomes a `<picture>` with a `<source>` for each of
    /// the others.
    pub formats: Vec<ImageFormat>,
    /// Encoder quality of lossy formats, 1 to 100.
    pub quality: u8,
    /// Width of the low-quality placeholder (in `data-lqip`).
    pub placeholder_width: u32,
}

impl Default for AssetOptions {
    fn default() -> Self {
        Self { widths: vec![640, 1280, 1920], formats: vec![ImageFormat::Webp], quality: 80, placeholder_width: 16 }
    }
}

impl AssetOptions {
    /// The options with widths sorted and deduplicated (so that `[1280, 640]` and `[640, 1280]`
    /// share cache entries), or what is wrong with them.
    pub fn validated(mut self) -> Result<Self, String> {
        self.widths.sort_unstable();
        self.widths.dedup();
        let mut formats = self.formats.clone();
        formats.sort_unstable();
        formats.dedup();
        if self.widths.is_empty() || self.widths[0] == 0 {
            Err("[assets] widths must list at least one width above 0".into())
        } else if self.formats.is_empty() || formats.len() != self.formats.len() {
            Err("[assets] formats must list at least one format, each once".into())
        } else if !(1..=100).contains(&self.quality) {
            Err("[assets] quality must be between 1 and 100".into())
        } else if self.placeholder_width == 0 {
            Err("[assets] placeholder_width must be above 0".into())
        } else {
            Ok(self)
        }
    }

    /// The fallback format (see [`AssetOptions::formats`]).
    pub fn fallback(&self) -> Option<ImageFormat> {
        self.formats.last().copied()
    }
}

/// One encoded image of a [`ProcessedAsset`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetVariant {
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
    pub bytes: Vec<u8>,
}

/// What a processor made of one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedAsset {
    /// The image's own size after its EXIF orientation is applied: what the browser shows,
    /// and what `width`/`height` of an `<img>` say.
    pub width: u32,
    pub height: u32,
    /// Every width of the options (up to the image's own) in every format.
    pub variants: Vec<AssetVariant>,
    /// A tiny version for a low-quality placeholder.
    pub placeholder: AssetVariant,
}

/// The pixel pipeline as a build sees it. Implementations are shared by the build's threads.
pub trait ImageProcessor: Send + Sync {
    /// Goes into every image's cache key: it must change whenever the output bytes may, with
    /// the pipeline's version and, where backends differ in their pixels (a GPU's float
    /// filters against the CPU's fixed-point ones), the backend. Otherwise a cache filled on
    /// one machine would make another's outputs depend on the cache.
    fn version(&self) -> String;

    /// Processes a batch of images (one call per build: batching is what makes a GPU pay),
    /// answering one result per image, in order. An error is a clear sentence about the image
    /// (corrupt, truncated, zero-sized, too large) that the build reports on every reference.
    fn process(&self, images: &[&[u8]], options: &AssetOptions) -> Vec<Result<ProcessedAsset, String>>;

    /// Problems worth telling the user that did not fail an image (a GPU that was asked for
    /// and not found); the build adds them to its report's warnings.
    fn take_warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A processed image as a compiled component references it: URLs are relative to the
/// component's module (and stylesheet, which sits beside it), like its runtime import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageAsset {
    /// Intrinsic size (oriented).
    pub width: u32,
    pub height: u32,
    /// One source per format in the order of [`AssetOptions::formats`]; the last is the
    /// fallback. Never empty.
    pub sources: Vec<ImageSource>,
    /// The placeholder as a `data:` URL.
    pub placeholder: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSource {
    pub mime: &'static str,
    /// `(url, width)`, narrowest first. Never empty.
    pub candidates: Vec<(String, u32)>,
}

impl ImageAsset {
    /// The fallback format's widest variant: what `src` and CSS `url(…)` name.
    pub fn fallback_url(&self) -> &str {
        self.sources.last().and_then(|s| s.candidates.last()).map_or("", |(url, _)| url.as_str())
    }
}

/// The processed images of one component by the specifier its source writes (`./a.png`).
pub type ComponentImages = BTreeMap<String, ImageAsset>;

/// The file name of a variant in [`ASSETS_DIR`]: `<stem>-<hash8>-<width>.<ext>`, named by its
/// content so that browsers and CDNs may cache it forever. The stem keeps only characters
/// that need no escaping in a `srcset` or an unquoted CSS `url(…)`.
pub fn variant_file_name(image_path: &str, variant: &AssetVariant) -> String {
    let stem = image_path.rsplit('/').next().and_then(|name| name.rsplit_once('.')).map_or("image", |(stem, _)| stem);
    let stem: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect();
    let hash = blake3::hash(&variant.bytes).to_hex();
    format!("{stem}-{}-{}.{}", &hash[..8], variant.width, variant.format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_specifiers_are_relative_paths_with_an_image_extension() {
        for yes in ["./a.png", "../img/b.JPG", "./c.jpeg", "./d.webp", "./e.gif"] {
            assert!(is_image_specifier(yes), "{yes}");
        }
        for no in ["/logo.png", "a.png", "https://x/a.png", "./a.svg", "./a.png?v=1", "./png"] {
            assert!(!is_image_specifier(no), "{no}");
        }
    }

    #[test]
    fn options_are_normalised_and_checked() {
        let options = AssetOptions { widths: vec![1280, 640, 640], ..AssetOptions::default() }.validated().unwrap();
        assert_eq!(options.widths, [640, 1280]);
        let bad = [
            AssetOptions { widths: vec![], ..AssetOptions::default() },
            AssetOptions { widths: vec![0, 10], ..AssetOptions::default() },
            AssetOptions { formats: vec![], ..AssetOptions::default() },
            AssetOptions { formats: vec![ImageFormat::Png, ImageFormat::Png], ..AssetOptions::default() },
            AssetOptions { quality: 0, ..AssetOptions::default() },
            AssetOptions { quality: 101, ..AssetOptions::default() },
            AssetOptions { placeholder_width: 0, ..AssetOptions::default() },
        ];
        for options in bad {
            assert!(options.clone().validated().is_err(), "{options:?}");
        }
    }

    #[test]
    fn variant_names_are_content_hashed_and_safe_in_srcset_and_css() {
        let variant = AssetVariant { width: 640, height: 480, format: ImageFormat::Webp, bytes: b"webp".to_vec() };
        let name = variant_file_name("src/img/my photo (1).png", &variant);
        assert_eq!(name, format!("my-photo--1--{}-640.webp", &blake3::hash(b"webp").to_hex()[..8]));
        let other = AssetVariant { bytes: b"webp2".to_vec(), ..variant };
        assert_ne!(variant_file_name("src/img/my photo (1).png", &other), name);
    }
}
