//! The image stage of a build, between planning and compiling: every image the planned
//! components reference is looked up by its key (bytes, `[assets]` options, processor version)
//! in the build record, then in the cache; the misses go to the [`ImageProcessor`] in one
//! batch, and the variants are written to `<out>/assets/`.
//!
//! Invariants:
//! - An image is processed at most once per key: an unchanged image costs a stamp comparison,
//!   one processed on another machine or branch a cache read.
//! - An image that cannot be processed writes nothing and is an error (E0508) on the
//!   components that reference it, which then write nothing either.
//! - Variant files are named by their content, so identical bytes share a file; a file is
//!   removed only when no image's record lists it any more.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cache::{CacheEntry, CacheKey, CacheKeyBuilder, Digest};
use crate::state::{ImageOutput, Imported, Stamp};
use eghact_analysis::db::Layout;
use eghact_semantics::assets::{AssetOptions, AssetVariant, ImageAsset, ImageFormat, ImageSource, ProcessedAsset};

/// The key input of an image when the build has no processor: its references stay as written,
/// so its bytes do not matter to the component.
pub(crate) const UNPROCESSED: &[u8] = b"image left unprocessed";

/// An image the planned components reference, hashed.
pub(crate) struct ImageInput {
    pub(crate) stamp: Stamp,
    pub(crate) digest: Digest,
    pub(crate) key: CacheKey,
}

/// The blob of a cache entry that describes the others.
pub(crate) const META: &str = "meta";
pub(crate) const PLACEHOLDER: &str = "placeholder";

/// What a processed image's cache entry holds besides the encoded bytes (blobs named by
/// variant index, and [`PLACEHOLDER`]). Paths are not in it: two images with the same bytes
/// share the entry.
#[derive(Serialize, Deserialize)]
pub(crate) struct EntryMeta {
    width: u32,
    height: u32,
    /// `(width, height, format)` of each variant.
    variants: Vec<(u32, u32, ImageFormat)>,
    placeholder: (u32, u32, ImageFormat),
}

/// What a component compiles its image references to: specifier → the image with URLs
/// relative to the component's module, or why it could not be processed.
pub(crate) fn component_images(
    component: &str,
    imports: &[(String, Imported)],
    processed: &BTreeMap<String, Result<ImageOutput, String>>,
    layout: &Layout,
    options: &AssetOptions,
) -> BTreeMap<String, Result<ImageAsset, String>> {
    imports
        .iter()
        .filter_map(|(specifier, imported)| match imported {
            Imported::Image(path) => Some((specifier.clone(), processed.get(path)?.clone())),
            _ => None,
        })
        .map(|(specifier, outcome)| (specifier, outcome.and_then(|output| image_asset(component, &output, layout, options))))
        .collect()
}

fn image_asset(component: &str, output: &ImageOutput, layout: &Layout, options: &AssetOptions) -> Result<ImageAsset, String> {
    let sources: Vec<ImageSource> = options
        .formats
        .iter()
        .filter_map(|format| {
            let mut candidates: Vec<(String, u32)> = output
                .variants
                .iter()
                .filter(|v| v.format == *format)
                .map(|v| (layout.out_url(component, &v.file), v.width))
                .collect();
            candidates.sort_by_key(|(_, width)| *width);
            (!candidates.is_empty()).then_some(ImageSource { mime: format.mime(), candidates })
        })
        .collect();
    if sources.is_empty() {
        return Err("the image processor made no variant in the configured formats".into());
    }
    Ok(ImageAsset { width: output.width, height: output.height, sources, placeholder: output.placeholder.clone() })
}

/// A processor's result that a build can use: at least one variant.
pub(crate) fn checked(asset: ProcessedAsset) -> Result<ProcessedAsset, String> {
    match asset.variants.is_empty() {
        true => Err("the image processor made no variant of it".into()),
        false => Ok(asset),
    }
}

pub(crate) fn encode(asset: &ProcessedAsset) -> CacheEntry {
    let meta = EntryMeta {
        width: asset.width,
        height: asset.height,
        variants: asset.variants.iter().map(|v| (v.width, v.height, v.format)).collect(),
        placeholder: (asset.placeholder.width, asset.placeholder.height, asset.placeholder.format),
    };
    let mut files = vec![(META.to_string(), serde_json::to_vec(&meta).unwrap_or_default())];
    files.extend(asset.variants.iter().enumerate().map(|(i, v)| (i.to_string(), v.bytes.clone())));
    files.push((PLACEHOLDER.to_string(), asset.placeholder.bytes.clone()));
    CacheEntry::new(files)
}

/// The processed image of a cache entry; `None` (a miss) for an entry that is not one.
pub(crate) fn decode(entry: &CacheEntry) -> Option<ProcessedAsset> {
    let meta: EntryMeta = serde_json::from_slice(entry.get(META)?).ok()?;
    let variant = |(width, height, format): (u32, u32, ImageFormat), name: &str| {
        Some(AssetVariant { width, height, format, bytes: entry.get(name)?.to_vec() })
    };
    let variants = meta.variants.iter().enumerate().map(|(i, v)| variant(*v, &i.to_string())).collect::<Option<Vec<_>>>()?;
    checked(ProcessedAsset {
        width: meta.width,
        height: meta.height,
        variants,
        placeholder: variant(meta.placeholder, PLACEHOLDER)?,
    })
    .ok()
}

/// The cache key of an image: its bytes, the options and the processor's version.
pub fn image_key(image: Digest, options: &AssetOptions, processor_version: &str) -> CacheKey {
    let formats: Vec<&str> = options.formats.iter().map(|f| f.extension()).collect();
    let widths: Vec<String> = options.widths.iter().map(u32::to_string).collect();
    // The version is the key's "compiler": an image entry can never be read as a component's.
    CacheKeyBuilder::new(&format!("image processor {processor_version}"), image)
        .flag(widths.join(","))
        .flag(formats.join(","))
        .flag(options.quality.to_string())
        .flag(options.placeholder_width.to_string())
        .finish()
        .key()
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_semantics::assets::ImageFormat;

    #[test]
    fn every_input_changes_an_image_key() {
        let options = AssetOptions::default();
        let key = image_key(Digest::of(b"png"), &options, "1");
        let others = [
            image_key(Digest::of(b"png!"), &options, "1"),
            image_key(Digest::of(b"png"), &options, "2"),
            image_key(Digest::of(b"png"), &AssetOptions { widths: vec![640], ..options.clone() }, "1"),
            image_key(Digest::of(b"png"), &AssetOptions { formats: vec![ImageFormat::Png], ..options.clone() }, "1"),
            image_key(Digest::of(b"png"), &AssetOptions { quality: 81, ..options.clone() }, "1"),
            image_key(Digest::of(b"png"), &AssetOptions { placeholder_width: 8, ..options.clone() }, "1"),
        ];
        assert!(others.iter().all(|other| *other != key));
    }
}
