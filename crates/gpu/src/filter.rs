//! Lanczos3 resampling weights for the GPU, computed on the CPU exactly as fast_image_resize 6
//! computes its own (`convolution::precompute_coefficients` with an adaptive kernel: the kernel
//! widens by the downscale factor, weights normalised to sum 1, zero weights trimmed at both
//! ends), in f32 for the float path and in its 16-bit fixed point (`Normalizer16`) for the
//! 8-bit path, so the shaders apply the very numbers the CPU backend applies.
//!
//! Why Lanczos3: it is what fast_image_resize, sharp and most image CDNs use for downscaling; it
//! keeps edges sharper than bicubic while its ringing is clamped when rounding to 8 bits.

use std::f64::consts::PI;

const SUPPORT: f64 = 3.0;

/// fast_image_resize's limits for 8-bit convolution: i16 weights, and an i32 sum of weight times
/// 8-bit value that must keep two bits for the filter's negative lobes and overshoot.
const PRECISION_BITS: u32 = 32 - 8 - 2;
const MAX_FIXED_PRECISION: u32 = 16 - 1;

/// The weights of one resampling pass (one axis): output pixel `i` is the weighted sum of
/// `count` input pixels from `start`, with weights `values[i * window ..][..count]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Coefficients {
    pub window: u32,
    /// `(start, count)` per output pixel.
    pub bounds: Vec<[u32; 2]>,
    pub values: Vec<f64>,
}

impl Coefficients {
    pub fn to_f32(&self) -> Vec<f32> {
        self.values.iter().map(|&v| v as f32).collect()
    }

    /// The weights in fixed point with the precision fast_image_resize picks: the most
    /// fractional bits that keep the largest weight below 2^15 (at most 21). A pixel is then
    /// `clamp((2^(precision-1) + sum(weight * value)) >> precision, 0, 255)` in exact integers.
    pub fn to_fixed(&self) -> (u32, Vec<i32>) {
        let max = self.values.iter().copied().fold(0.0f64, f64::max);
        let mut precision = 0;
        for candidate in 0..PRECISION_BITS {
            precision = candidate;
            if (max * f64::from(1u32 << (candidate + 1))).round() as i32 >= 1 << MAX_FIXED_PRECISION {
                break;
            }
        }
        let scale = f64::from(1u32 << precision);
        (precision, self.values.iter().map(|&v| i32::from((v * scale).round() as i16)).collect())
    }
}

/// Weights that resample `in_size` pixels to `out_size`. Equal sizes give the identity, as
/// fast_image_resize skips that pass.
pub(crate) fn lanczos3(in_size: u32, out_size: u32) -> Coefficients {
    if in_size == out_size {
        return Coefficients { window: 1, bounds: (0..out_size).map(|i| [i, 1]).collect(), values: vec![1.0; out_size as usize] };
    }
    let scale = f64::from(in_size) / f64::from(out_size);
    let filter_scale = scale.max(1.0);
    let radius = SUPPORT * filter_scale;
    let window = radius.ceil() as usize * 2 + 1;
    let recip_filter_scale = 1.0 / filter_scale;
    let mut bounds = Vec::with_capacity(out_size as usize);
    let mut values = Vec::with_capacity(window * out_size as usize);
    let mut row: Vec<f64> = Vec::with_capacity(window);
    for out in 0..out_size {
        let in_center = (f64::from(out) + 0.5) * scale;
        let x_min = (in_center - radius).floor().max(0.0) as u32;
        let x_max = (in_center + radius).ceil().min(f64::from(in_size)) as u32;
        let center = in_center - 0.5;
        row.clear();
        let mut start = x_min;
        let mut sum = 0.0;
        for x in x_min..x_max {
            let w = lanczos((f64::from(x) - center) * recip_filter_scale);
            if x == start && w == 0.0 {
                start += 1;
            } else {
                row.push(w);
                sum += w;
            }
        }
        while row.last() == Some(&0.0) {
            row.pop();
        }
        if sum != 0.0 {
            row.iter_mut().for_each(|w| *w /= sum);
        }
        bounds.push([start, row.len() as u32]);
        values.extend_from_slice(&row);
        values.resize(values.len() + window - row.len(), 0.0);
    }
    Coefficients { window: window as u32, bounds, values }
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 { 1.0 } else { (x * PI).sin() / (x * PI) }
}

fn lanczos(x: f64) -> f64 {
    if (-SUPPORT..SUPPORT).contains(&x) { sinc(x) * sinc(x / SUPPORT) } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_stay_inside() {
        for (from, to) in [(4000, 320), (1000, 999), (7, 3), (3, 1), (2, 1), (16, 15), (5000, 16)] {
            let c = lanczos3(from, to);
            assert_eq!(c.bounds.len(), to as usize);
            for (i, &[start, count]) in c.bounds.iter().enumerate() {
                assert!(count >= 1 && start + count <= from, "{from}->{to} #{i}: {start}+{count}");
                let sum: f64 = c.values[i * c.window as usize..][..count as usize].iter().sum();
                assert!((sum - 1.0).abs() < 1e-9, "{from}->{to} #{i}: {sum}");
            }
        }
    }

    #[test]
    fn equal_sizes_are_the_identity() {
        let c = lanczos3(3, 3);
        assert_eq!(c.to_fixed(), (14, vec![1 << 14; 3]));
        assert_eq!((c.window, c.bounds, c.values), (1, vec![[0, 1], [1, 1], [2, 1]], vec![1.0; 3]));
    }

    #[test]
    fn fixed_point_keeps_weights_in_i16() {
        for (from, to) in [(4000, 320), (10_000, 16), (7, 3), (640, 639)] {
            let (precision, fixed) = lanczos3(from, to).to_fixed();
            assert!((4..PRECISION_BITS).contains(&precision), "{from}->{to}: {precision}");
            assert!(fixed.iter().all(|&w| w.abs() < 1 << 15), "{from}->{to}");
        }
    }
}
