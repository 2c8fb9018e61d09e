//! From encoded bytes to oriented 8-bit pixels, with the limits checked on the header before any
//! pixel is decoded.
//!
//! **Invariant:** nothing an input contains can panic or allocate beyond the pixel limit; every
//! refusal is an [`ImageError`] that names the problem.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, metadata::Orientation};

use crate::ImageError;
use crate::pixels::{self, Pixels};

/// What the header says, before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// After EXIF orientation.
    pub width: u32,
    pub height: u32,
}

/// A decoded, oriented image: RGB when every pixel is opaque, RGBA otherwise.
pub(crate) struct Decoded {
    pub pixels: Pixels,
    pub has_alpha: bool,
}

/// Reads the header: format, size and orientation.
pub(crate) fn probe(bytes: &[u8], max_pixels: u64) -> Result<Header, ImageError> {
    open(bytes, max_pixels).map(|(_, header, _)| header)
}

/// Decodes the first frame, applies the EXIF orientation and converts to 8-bit RGB or RGBA.
/// Colour profiles are not applied: pixel values are kept as stored (as in sRGB).
/// A decoder that panics on some input is a bug in a dependency; the image gets an error.
pub(crate) fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, ImageError> {
    std::panic::catch_unwind(|| decode_unguarded(bytes, max_pixels)).unwrap_or_else(|panic| {
        Err(ImageError::Decode { format: "unknown", message: format!("the decoder failed: {}", panic_message(&*panic)) })
    })
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

fn decode_unguarded(bytes: &[u8], max_pixels: u64) -> Result<Decoded, ImageError> {
    let (decoder, _, (format, orientation)) = open(bytes, max_pixels)?;
    if format == ImageFormat::Jpeg && !has_end_of_image(bytes) {
        // zune-jpeg fills a truncated scan with grey instead of failing.
        return Err(ImageError::Decode {
            format: name(format),
            message: "truncated: no end-of-image marker after the last scan".into(),
        });
    }
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| error(format, e))?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    if image.color().has_alpha() {
        let rgba = image.into_rgba8().into_raw();
        if rgba.chunks_exact(4).any(|px| px[3] != 255) {
            return Ok(Decoded { pixels: Pixels { width, height, channels: 4, data: rgba }, has_alpha: true });
        }
        return Ok(Decoded { pixels: Pixels { width, height, channels: 3, data: pixels::rgb(&rgba) }, has_alpha: false });
    }
    let rgb = image.into_rgb8().into_raw();
    Ok(Decoded { pixels: Pixels { width, height, channels: 3, data: rgb }, has_alpha: false })
}

type Opened<'a> = (Box<dyn ImageDecoder + 'a>, Header, (ImageFormat, Orientation));

fn open(bytes: &[u8], max_pixels: u64) -> Result<Opened<'_>, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Unsupported("the input is empty (0 bytes)".into()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode { format: "unknown", message: e.to_string() })?;
    let format = match reader.format() {
        Some(format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif)) => format,
        Some(other) => return Err(ImageError::Unsupported(format!("{other:?} images are not supported"))),
        None => return Err(ImageError::Unsupported("the format is not recognised".into())),
    };
    reader.limits(limits(max_pixels));
    let mut decoder = reader.into_decoder().map_err(|e| error(format, e))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageError::Empty { width, height });
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImageError::TooLarge { width, height, limit: max_pixels });
    }
    // A broken EXIF block is not worth refusing the image for: it is shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (width, height) = match orientation {
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH => {
            (height, width)
        }
        _ => (width, height),
    };
    Ok((Box::new(decoder), Header { width, height }, (format, orientation)))
}

/// Enough for the pixels of the largest allowed image at 16 bits per channel, plus decoder state.
fn limits(max_pixels: u64) -> Limits {
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    limits
}

/// Whether an EOI marker follows the last start-of-scan. In entropy-coded data 0xFF is always
/// followed by 0x00 or a restart marker, so the pair 0xFF 0xD9 there is the real end.
fn has_end_of_image(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|pair| pair == [0xFF, 0xDA]);
    last_scan.is_some_and(|at| bytes[at..].windows(2).any(|pair| pair == [0xFF, 0xD9]))
}

fn name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::WebP => "WebP",
        ImageFormat::Gif => "GIF",
        _ => "unknown",
    }
}

fn error(format: ImageFormat, error: image::ImageError) -> ImageError {
    let message = match error {
        image::ImageError::Unsupported(e) => return ImageError::Unsupported(format!("{} image: {e}", name(format))),
        image::ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => "truncated: the data ends early".into(),
        other => other.to_string(),
    };
    ImageError::Decode { format: name(format), message }
}
