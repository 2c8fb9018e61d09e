//! What the pipeline is given and gives back: backends, output formats, options, processed
//! images, errors, and the settings beyond the backend. Plain data, no pixel work.

use std::fmt;
use std::str::FromStr;

/// Part of every cache key of an image asset: bump it whenever output pixels or bytes can change
/// (filter, rounding, placeholder blur, encoder settings, dependency versions of the encoders).
pub const PIPELINE_VERSION: &str = "1";

/// Which backend does the pixel work (`--gpu auto|on|off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// The GPU for batches large enough to pay for the transfers, when a real GPU exists.
    #[default]
    Auto,
    /// The GPU whenever an adapter exists (CPU with a warning otherwise).
    On,
    /// The CPU only.
    Off,
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Self::Auto),
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            other => Err(format!("unknown GPU mode `{other}` (expected auto, on or off)")),
        }
    }
}

/// An output encoding. AVIF is not offered: the maintained pure-Rust encoder (ravif on rav1e)
/// alone would take longer to build than the rest of this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Lossless; what a JPEG variant of an image with transparency becomes.
    Png,
    /// Baseline JPEG at the configured quality (opaque images only).
    Jpeg,
    /// Lossy WebP through libwebp at the configured quality, alpha included.
    Webp,
}

impl Format {
    pub fn extension(&self) -> &str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }

    pub fn mime(&self) -> &str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    /// JPEG has no alpha channel: an image with transparency gets PNG instead.
    pub(crate) fn for_alpha(self, has_alpha: bool) -> Self {
        if has_alpha && self == Self::Jpeg { Self::Png } else { self }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
            Self::Webp => "WebP",
        })
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "png" => Ok(Self::Png),
            "jpg" | "jpeg" => Ok(Self::Jpeg),
            "webp" => Ok(Self::Webp),
            other => Err(format!("unknown image format `{other}` (expected png, jpeg or webp)")),
        }
    }
}

/// What to produce for every image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOptions {
    /// Target widths in pixels; widths above the image's own are skipped (never upscaled), and
    /// the image's own width is added when it is below the largest one.
    pub widths: Vec<u32>,
    /// Encodings of every width. Default: WebP (smallest, in every current browser) and JPEG for
    /// the `<img>` fallback; JPEG becomes PNG for images with transparency.
    pub formats: Vec<Format>,
    /// JPEG and WebP quality, 1 to 100.
    pub quality: u8,
    /// Width of the blurred placeholder meant for a `data:` URI.
    pub placeholder_width: u32,
}

impl Default for ImageOptions {
    fn default() -> Self {
        Self {
            widths: vec![320, 640, 960, 1280, 1920],
            formats: vec![Format::Webp, Format::Jpeg],
            quality: 80,
            placeholder_width: 16,
        }
    }
}

/// One encoded rendition of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// Everything produced for one input image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedImage {
    /// Size after EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// Whether some pixel is not fully opaque (an alpha channel of opaque pixels does not count).
    pub has_alpha: bool,
    /// Sorted by format, then width.
    pub variants: Vec<Variant>,
    /// Tiny and blurred, in the first configured format (WebP when none is), for a `data:` URI.
    pub placeholder: Variant,
}

/// Why one image produced nothing. Every message names the problem in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("cannot decode the {format} image: {message}")]
    Decode { format: &'static str, message: String },
    #[error("unsupported image: {0} (supported: PNG, JPEG, WebP and GIF)")]
    Unsupported(String),
    #[error("the image has no pixels ({width}x{height})")]
    Empty { width: u32, height: u32 },
    #[error(
        "the image is {width}x{height} ({:.1} megapixels), above the limit of {:.1} megapixels",
        *width as f64 * *height as f64 / 1e6,
        *limit as f64 / 1e6
    )]
    TooLarge { width: u32, height: u32, limit: u64 },
    #[error("cannot resample the image to {width}x{height}: {message}")]
    Resize { width: u32, height: u32, message: String },
    #[error("cannot encode the {width}x{height} {format} variant: {message}")]
    Encode { format: Format, width: u32, height: u32, message: String },
}

/// Knobs beyond the backend; `ImagePipeline::new` uses the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSettings {
    /// Images with more pixels are refused with [`ImageError::TooLarge`] before their pixels are
    /// decoded. Default: 100 megapixels.
    pub max_pixels: u64,
    /// With [`Backend::Auto`], the GPU takes a batch only when its images add up to at least this
    /// many megapixels. Default 2,000: on an H200 with 16 CPU cores no batch measured (1 to 100
    /// photos, up to 395 megapixels) finished faster on the GPU end to end: encoding dominates,
    /// the GPU saves only the resampling, and device start-up (0.2 s) and transfers eat that.
    /// `auto` stays on the CPU for every site of ordinary size; lower this where a measurement
    /// on the machine shows a win (few CPU cores next to a fast GPU). See gpu/README.md.
    pub auto_min_megapixels: f64,
    /// Let a CPU-type adapter (Mesa's lavapipe/llvmpipe) count as a GPU. Only the tests and the
    /// benchmark want this: such an adapter is 10-25x slower than the CPU path. `Auto` never
    /// picks one even when this is set.
    pub allow_cpu_adapter: bool,
    /// Upper bound of device memory one submission uses (sources, intermediate rows, outputs);
    /// larger batches are split into several submissions. Small enough that a batch makes
    /// many submissions: decoding, the device and encoding only overlap across submissions.
    /// An image larger than this alone still goes to the device when the device's buffer
    /// limits allow it.
    pub gpu_memory_budget: u64,
    /// Destroys the device after that many successful submissions, as a driver reset would: for
    /// tests of the fallback to the CPU.
    pub simulate_device_loss_after: Option<usize>,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        Self {
            max_pixels: 100_000_000,
            auto_min_megapixels: 2000.0,
            allow_cpu_adapter: false,
            gpu_memory_budget: 256 << 20,
            simulate_device_loss_after: None,
        }
    }
}
