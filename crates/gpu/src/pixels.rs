//! 8-bit images and the arithmetic both backends share: premultiplication, rounding back to
//! 8 bits, and the placeholder blur. `shaders/resample.wgsl` mirrors every function here
//! operation for operation; change both together (and bump `PIPELINE_VERSION`).

/// Weights of the placeholder blur: a 5-tap binomial (about a Gaussian of sigma 1), applied in
/// both directions with the edges clamped. Products of two are exact in f32.
pub(crate) const BLUR: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];

/// Row-major 8-bit pixels: RGB for opaque images, RGBA (straight alpha) otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pixels {
    pub width: u32,
    pub height: u32,
    /// 3 or 4.
    pub channels: usize,
    pub data: Vec<u8>,
}

impl Pixels {
    /// The pixel at `index` as RGBA.
    fn rgba(&self, index: usize) -> [u8; 4] {
        let at = index * self.channels;
        match self.channels {
            4 => [self.data[at], self.data[at + 1], self.data[at + 2], self.data[at + 3]],
            _ => [self.data[at], self.data[at + 1], self.data[at + 2], 255],
        }
    }

    /// Pixels from RGBA words as the shaders write them (R in the low byte), with `channels`
    /// channels: the alpha byte is dropped for opaque images.
    pub fn from_rgba_words(width: u32, height: u32, channels: usize, words: &[u8]) -> Self {
        Self { width, height, channels, data: if channels == 4 { words.to_vec() } else { rgb(words) } }
    }
}

/// RGB bytes of RGBA bytes.
pub(crate) fn rgb(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for pixel in rgba.chunks_exact(4) {
        rgb.extend_from_slice(&pixel[..3]);
    }
    rgb
}

/// RGBA in 0..=255 with the colour multiplied by alpha, as the filters see it.
/// Opaque pixels are left exactly as they are (GPU division by 255 need not be exact).
pub(crate) fn premultiply([r, g, b, a]: [u8; 4]) -> [f32; 4] {
    let [r, g, b, alpha] = [r, g, b, a].map(f32::from);
    if a == 255 {
        return [r, g, b, alpha];
    }
    let scale = alpha / 255.0;
    [r * scale, g * scale, b * scale, alpha]
}

/// Back to straight 8-bit RGBA: alpha clamped to 0..=255 and rounded half up; colour divided by
/// that alpha, clamped (Lanczos rings) and rounded half up; fully transparent pixels are zero.
pub(crate) fn unpremultiply([r, g, b, a]: [f32; 4]) -> [u8; 4] {
    let alpha = a.clamp(0.0, 255.0);
    let rounded = (alpha + 0.5).floor();
    if rounded == 0.0 {
        return [0; 4];
    }
    let scale = if alpha == 255.0 { 1.0 } else { 255.0 / alpha };
    let channel = |c: f32| (c * scale + 0.5).floor().clamp(0.0, 255.0) as u8;
    [channel(r), channel(g), channel(b), rounded as u8]
}

/// The placeholder blur on the CPU, in the shader's order of operations.
pub(crate) fn blur(image: &Pixels) -> Pixels {
    let (width, height) = (image.width as usize, image.height as usize);
    let mut data = Vec::with_capacity(image.data.len());
    for y in 0..height {
        for x in 0..width {
            let mut sum = [0.0f32; 4];
            for (dy, wy) in BLUR.iter().enumerate() {
                let row = (y + dy).saturating_sub(2).min(height - 1);
                for (dx, wx) in BLUR.iter().enumerate() {
                    let column = (x + dx).saturating_sub(2).min(width - 1);
                    let weight = wy * wx;
                    let pixel = premultiply(image.rgba(row * width + column));
                    for (s, p) in sum.iter_mut().zip(pixel) {
                        *s += weight * p;
                    }
                }
            }
            data.extend_from_slice(&unpremultiply(sum)[..image.channels]);
        }
    }
    Pixels { width: image.width, height: image.height, channels: image.channels, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premultiplication_round_trips_every_visible_value() {
        for a in 1..=255u8 {
            for c in 0..=255u8 {
                let back = unpremultiply(premultiply([c, c, c, a]));
                assert_eq!(back, [c, c, c, a], "colour {c} at alpha {a}");
            }
        }
        assert_eq!(unpremultiply(premultiply([200, 10, 30, 0])), [0; 4]);
    }

    #[test]
    fn rounding_clamps_ringing() {
        assert_eq!(unpremultiply([300.0, -4.0, 127.5, 255.0]), [255, 0, 128, 255]);
        assert_eq!(unpremultiply([10.0, 10.0, 10.0, 0.49]), [0; 4]);
        assert_eq!(unpremultiply([1.0, 1.0, 1.0, 260.0]), [1, 1, 1, 255]);
    }

    #[test]
    fn blur_keeps_flat_images_and_softens_edges() {
        let flat = Pixels { width: 3, height: 2, channels: 3, data: vec![90; 18] };
        assert_eq!(blur(&flat), flat);
        let one = Pixels { width: 1, height: 1, channels: 4, data: vec![1, 2, 3, 4] };
        assert_eq!(blur(&one), one);
        let mut edge = Pixels { width: 8, height: 1, channels: 3, data: vec![0; 24] };
        edge.data[12..].fill(255);
        let blurred = blur(&edge);
        assert!(blurred.data[9] > 0 && blurred.data[12] < 255, "{:?}", blurred.data);
    }
}
