//! Which sizes an image gets. Both backends read the same plan, so they always produce the same
//! set of variants.

use crate::{Format, ImageOptions};

/// The sizes to produce for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Ascending widths with their heights; a size equal to the image's own is a copy.
    pub sizes: Vec<(u32, u32)>,
    /// The placeholder's size before its blur.
    pub placeholder: (u32, u32),
}

/// Options with sorted, de-duplicated widths and formats and a quality the encoders accept.
pub(crate) fn normalize(options: &ImageOptions) -> ImageOptions {
    let mut widths: Vec<u32> = options.widths.iter().copied().filter(|&w| w > 0).collect();
    widths.sort_unstable();
    widths.dedup();
    let mut formats = Vec::with_capacity(options.formats.len());
    for &format in &options.formats {
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    ImageOptions { widths, formats, quality: options.quality.clamp(1, 100), placeholder_width: options.placeholder_width.max(1) }
}

/// The plan for an image of `width` x `height` (after orientation); `options` are normalized.
/// Widths above the image's are skipped, never upscaled; the image's own width is added when it
/// is below the largest configured one (a 500-px image gets 320 and 500), and is the only width
/// when none is configured.
pub(crate) fn plan(width: u32, height: u32, options: &ImageOptions) -> Plan {
    let mut widths: Vec<u32> = options.widths.iter().copied().filter(|&w| w <= width).collect();
    if options.widths.last().is_none_or(|&largest| width < largest) && widths.last() != Some(&width) {
        widths.push(width);
    }
    let sizes = widths.into_iter().map(|w| (w, scaled_height(width, height, w))).collect();
    let placeholder_width = options.placeholder_width.min(width);
    Plan { sizes, placeholder: (placeholder_width, scaled_height(width, height, placeholder_width)) }
}

/// The height that keeps the aspect ratio at `new_width`, rounded to nearest, at least 1.
fn scaled_height(width: u32, height: u32, new_width: u32) -> u32 {
    let scaled = (u64::from(height) * u64::from(new_width) * 2 + u64::from(width)) / (2 * u64::from(width));
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// The formats an image is encoded to: JPEG becomes PNG for images with transparency, without
/// duplicates, in configuration order.
pub(crate) fn formats(options: &ImageOptions, has_alpha: bool) -> Vec<Format> {
    let mut formats = Vec::with_capacity(options.formats.len());
    for format in options.formats.iter().map(|f| f.for_alpha(has_alpha)) {
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    formats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(width: u32, height: u32) -> Vec<(u32, u32)> {
        plan(width, height, &normalize(&ImageOptions::default())).sizes
    }

    #[test]
    fn never_upscales_and_keeps_a_smaller_original() {
        assert_eq!(widths(500, 250), vec![(320, 160), (500, 250)]);
        assert_eq!(widths(640, 480), vec![(320, 240), (640, 480)]);
        assert_eq!(widths(4000, 3000), vec![(320, 240), (640, 480), (960, 720), (1280, 960), (1920, 1440)]);
        assert_eq!(widths(1920, 1080).last(), Some(&(1920, 1080)));
        assert_eq!(widths(1, 1), vec![(1, 1)]);
    }

    #[test]
    fn heights_round_and_stay_positive() {
        assert_eq!(widths(3000, 1), vec![(320, 1), (640, 1), (960, 1), (1280, 1), (1920, 1)]);
        assert_eq!(scaled_height(3, 2, 2), 1);
        assert_eq!(scaled_height(4, 3, 2), 2);
        assert_eq!(plan(7, 9000, &normalize(&ImageOptions::default())).placeholder, (7, 9000));
    }

    #[test]
    fn normalizes_options() {
        let options = normalize(&ImageOptions {
            widths: vec![640, 0, 320, 640],
            formats: vec![Format::Jpeg, Format::Webp, Format::Jpeg],
            quality: 0,
            placeholder_width: 0,
        });
        assert_eq!(options.widths, vec![320, 640]);
        assert_eq!(options.formats, vec![Format::Jpeg, Format::Webp]);
        assert_eq!((options.quality, options.placeholder_width), (1, 1));
        assert_eq!(formats(&options, true), vec![Format::Png, Format::Webp]);
        assert_eq!(plan(100, 50, &ImageOptions { widths: vec![], ..options }).sizes, vec![(100, 50)]);
    }
}
