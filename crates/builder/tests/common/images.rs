//! A stand-in for the pixel pipeline in tests, never used by a real build: it reads an image's
//! size from its PNG header and "encodes" each variant as a line of text that names the
//! format, the size and the source's hash. Deterministic, and it counts its batches.

use std::sync::Mutex;

use eghact_semantics::assets::{AssetOptions, AssetVariant, ImageProcessor, ProcessedAsset};

/// The largest width or height it accepts, as a real pipeline bounds what it decodes.
pub const MAX_SIDE: u32 = 16_384;

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub struct FakePngProcessor {
    version: String,
    /// The number of images of each `process` call.
    batches: Mutex<Vec<usize>>,
}

impl FakePngProcessor {
    pub fn new(version: &str) -> Self {
        Self { version: version.to_string(), batches: Mutex::default() }
    }

    /// The batch sizes so far, and forgets them.
    pub fn take_batches(&self) -> Vec<usize> {
        std::mem::take(&mut self.batches.lock().unwrap())
    }
}

impl ImageProcessor for FakePngProcessor {
    fn version(&self) -> String {
        self.version.clone()
    }

    fn process(&self, images: &[&[u8]], options: &AssetOptions) -> Vec<Result<ProcessedAsset, String>> {
        self.batches.lock().unwrap().push(images.len());
        images.iter().map(|bytes| process(bytes, options)).collect()
    }

    fn take_warnings(&self) -> Vec<String> {
        vec!["fake image processor: no GPU, ran on the CPU".to_string()]
    }
}

fn process(bytes: &[u8], options: &AssetOptions) -> Result<ProcessedAsset, String> {
    if bytes.len() < 24 {
        return Err(format!("truncated PNG: {} bytes, the header alone takes 24", bytes.len()));
    }
    if !bytes.starts_with(SIGNATURE) || &bytes[12..16] != b"IHDR" {
        return Err("not a PNG file: the signature is wrong".to_string());
    }
    let side = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (width, height) = (side(16), side(20));
    if width == 0 || height == 0 {
        return Err(format!("the image is {width}x{height} pixels"));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!("the image is {width}x{height} pixels, more than {MAX_SIDE} on a side"));
    }
    let hash = blake3::hash(bytes).to_hex();
    let variant = |format: eghact_semantics::assets::ImageFormat, w: u32| {
        let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width)).max(1) as u32;
        let bytes = format!("{} {w}x{h} of {}\n", format.extension(), &hash[..8]).into_bytes();
        AssetVariant { width: w, height: h, format, bytes }
    };
    let mut widths: Vec<u32> = options.widths.iter().copied().filter(|w| *w <= width).collect();
    if widths.is_empty() {
        widths.push(width);
    }
    let variants = options.formats.iter().flat_map(|f| widths.iter().map(|w| variant(*f, *w))).collect();
    let placeholder = variant(options.formats[0], options.placeholder_width.min(width));
    Ok(ProcessedAsset { width, height, variants, placeholder })
}

/// The first bytes of a PNG file of `width` x `height`, made distinct by `seed`.
pub fn png(width: u32, height: u32, seed: &str) -> Vec<u8> {
    let mut bytes = SIGNATURE.to_vec();
    bytes.extend_from_slice(&13u32.to_be_bytes());
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(seed.as_bytes());
    bytes
}
