// Separable Lanczos3 resampling, and the placeholder blur.
//
// Opaque images (RGB sources) take fast_image_resize's 8-bit path in exact integers: the
// vertical pass first, clamped to 8 bits, then the horizontal pass, with its 16-bit fixed-point
// weights; the results are bit-identical to the CPU backend. Images with transparency take the
// float path: premultiplied RGBA in f32, horizontal pass first, as fast_image_resize's f32
// path does. Weights are computed on the CPU (filter.rs). Premultiplication, rounding and the
// blur mirror pixels.rs operation for operation: change both together.
//
// One dispatch handles one pass of one job (an image resampled to one size); the job's
// parameters come through a dynamic uniform offset. Grids are capped at 65535 workgroups per
// dimension, so every entry point strides over the rows and columns it covers.

struct Job {
    // Byte offset of the source image in `src` (a multiple of 4).
    src_offset: u32,
    src_width: u32,
    src_height: u32,
    // 3 (RGB bytes, the 8-bit path) or 4 (RGBA words, the float path).
    channels: u32,
    dst_width: u32,
    dst_height: u32,
    // Word offset of the result in `dst`.
    dst_offset: u32,
    // Word offset in `dst` of the pixels the blur reads.
    blur_offset: u32,
    h_bounds: u32,
    h_weights: u32,
    h_window: u32,
    h_precision: u32,
    v_bounds: u32,
    v_weights: u32,
    v_window: u32,
    v_precision: u32,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
// Between the passes: 8-bit RGB words (src_width x dst_height) or f32 RGBA in four words
// (dst_width x src_height).
@group(0) @binding(1) var<storage, read_write> rows: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
// f32 or i32 weights, as the job's path reads them.
@group(0) @binding(3) var<storage, read> weights: array<u32>;
@group(0) @binding(4) var<storage, read> bounds: array<vec2<u32>>;
@group(0) @binding(5) var<uniform> job: Job;

const GROUP: u32 = 16u;
const BLUR = array<f32, 5>(1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0);

fn byte_at(offset: u32) -> u32 {
    return (src[offset >> 2u] >> ((offset & 3u) * 8u)) & 0xffu;
}

fn rgb_at(x: u32, y: u32) -> vec3<i32> {
    let at = job.src_offset + (y * job.src_width + x) * 3u;
    return vec3<i32>(i32(byte_at(at)), i32(byte_at(at + 1u)), i32(byte_at(at + 2u)));
}

fn unpack(word: u32) -> vec4<f32> {
    return vec4<f32>(f32(word & 0xffu), f32((word >> 8u) & 0xffu), f32((word >> 16u) & 0xffu), f32(word >> 24u));
}

fn pack_rgb(rgb: vec3<i32>, bits: u32) -> u32 {
    let c = vec3<u32>(clamp(rgb >> vec3<u32>(bits), vec3<i32>(0), vec3<i32>(255)));
    return c.r | (c.g << 8u) | (c.b << 16u) | (255u << 24u);
}

// Division by 255 is not exact on every GPU: alpha 255 must leave colours exactly as they are.
fn premultiply(c: vec4<f32>) -> vec4<f32> {
    if (c.a == 255.0) {
        return c;
    }
    let scale = c.a / 255.0;
    return vec4<f32>(c.r * scale, c.g * scale, c.b * scale, c.a);
}

fn unpremultiply(p: vec4<f32>) -> u32 {
    let alpha = clamp(p.a, 0.0, 255.0);
    let rounded = floor(alpha + 0.5);
    if (rounded == 0.0) {
        return 0u;
    }
    var scale = 1.0;
    if (alpha != 255.0) {
        scale = 255.0 / alpha;
    }
    let rgb = clamp(floor(p.rgb * scale + 0.5), vec3<f32>(0.0), vec3<f32>(255.0));
    return u32(rgb.r) | (u32(rgb.g) << 8u) | (u32(rgb.b) << 16u) | (u32(rounded) << 24u);
}

// 8-bit path, first pass: source columns to `dst_height` rows.
@compute @workgroup_size(16, 16)
fn vertical_fixed(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let initial = vec3<i32>(1 << (job.v_precision - 1u));
    for (var y = id.y; y < job.dst_height; y += groups.y * GROUP) {
        let bound = bounds[job.v_bounds + y];
        let base = job.v_weights + y * job.v_window;
        for (var x = id.x; x < job.src_width; x += groups.x * GROUP) {
            var sum = initial;
            for (var k = 0u; k < bound.y; k++) {
                sum += bitcast<i32>(weights[base + k]) * rgb_at(x, bound.x + k);
            }
            rows[y * job.src_width + x] = pack_rgb(sum, job.v_precision);
        }
    }
}

// 8-bit path, second pass: those rows to `dst_width` columns, into `dst`.
@compute @workgroup_size(16, 16)
fn horizontal_fixed(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let initial = vec3<i32>(1 << (job.h_precision - 1u));
    for (var y = id.y; y < job.dst_height; y += groups.y * GROUP) {
        for (var x = id.x; x < job.dst_width; x += groups.x * GROUP) {
            let bound = bounds[job.h_bounds + x];
            let base = job.h_weights + x * job.h_window;
            var sum = initial;
            for (var k = 0u; k < bound.y; k++) {
                let word = rows[y * job.src_width + bound.x + k];
                let rgb = vec3<i32>(i32(word & 0xffu), i32((word >> 8u) & 0xffu), i32((word >> 16u) & 0xffu));
                sum += bitcast<i32>(weights[base + k]) * rgb;
            }
            dst[job.dst_offset + y * job.dst_width + x] = pack_rgb(sum, job.h_precision);
        }
    }
}

// Float path, first pass: premultiplied source rows to `dst_width` columns.
@compute @workgroup_size(16, 16)
fn horizontal_float(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    for (var y = id.y; y < job.src_height; y += groups.y * GROUP) {
        for (var x = id.x; x < job.dst_width; x += groups.x * GROUP) {
            let bound = bounds[job.h_bounds + x];
            let base = job.h_weights + x * job.h_window;
            var sum = vec4<f32>(0.0);
            for (var k = 0u; k < bound.y; k++) {
                let word = src[(job.src_offset >> 2u) + y * job.src_width + bound.x + k];
                sum += bitcast<f32>(weights[base + k]) * premultiply(unpack(word));
            }
            let at = (y * job.dst_width + x) * 4u;
            rows[at] = bitcast<u32>(sum.r);
            rows[at + 1u] = bitcast<u32>(sum.g);
            rows[at + 2u] = bitcast<u32>(sum.b);
            rows[at + 3u] = bitcast<u32>(sum.a);
        }
    }
}

// Float path, second pass: those rows to `dst_height` rows, straight 8-bit RGBA into `dst`.
@compute @workgroup_size(16, 16)
fn vertical_float(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    for (var y = id.y; y < job.dst_height; y += groups.y * GROUP) {
        let bound = bounds[job.v_bounds + y];
        let base = job.v_weights + y * job.v_window;
        for (var x = id.x; x < job.dst_width; x += groups.x * GROUP) {
            var sum = vec4<f32>(0.0);
            for (var k = 0u; k < bound.y; k++) {
                let at = ((bound.x + k) * job.dst_width + x) * 4u;
                let row = vec4<f32>(bitcast<f32>(rows[at]), bitcast<f32>(rows[at + 1u]), bitcast<f32>(rows[at + 2u]), bitcast<f32>(rows[at + 3u]));
                sum += bitcast<f32>(weights[base + k]) * row;
            }
            dst[job.dst_offset + y * job.dst_width + x] = unpremultiply(sum);
        }
    }
}

// The 5x5 binomial blur of the placeholder at `blur_offset`, edges clamped, into `dst_offset`.
// On opaque pixels every product and sum is a multiple of 1/256 below 2^16: exact in f32.
@compute @workgroup_size(16, 16)
fn blur(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let last = vec2<i32>(i32(job.dst_width) - 1, i32(job.dst_height) - 1);
    for (var y = id.y; y < job.dst_height; y += groups.y * GROUP) {
        for (var x = id.x; x < job.dst_width; x += groups.x * GROUP) {
            var sum = vec4<f32>(0.0);
            for (var dy = 0; dy < 5; dy++) {
                let row = u32(clamp(i32(y) + dy - 2, 0, last.y));
                for (var dx = 0; dx < 5; dx++) {
                    let column = u32(clamp(i32(x) + dx - 2, 0, last.x));
                    let weight = BLUR[dy] * BLUR[dx];
                    sum += weight * premultiply(unpack(dst[job.blur_offset + row * job.dst_width + column]));
                }
            }
            dst[job.dst_offset + y * job.dst_width + x] = unpremultiply(sum);
        }
    }
}
