// sharp baseline for `cargo bench --bench images`.
//
// Usage: node benches/sharp/responsive.mjs DIR [--widths 320,640,960,1280,1920] [--quality 80]
//                                              [--placeholder 16] [--iterations N]
//
// Makes the responsive set of every .jpg/.png under DIR the way eghact-gpu does: every
// configured width not above the image's, plus the image's own width when it is below the
// largest; WebP and JPEG (PNG instead of JPEG for images with an alpha channel) at the given
// quality; a placeholder of 16 px, blurred (sigma 1), as WebP at quality 50. Lanczos3 is
// sharp's default kernel. Then prints one JSON line:
//   {"images", "megapixels", "resize_ms", "end_to_end_ms", "outputs", "bytes", "sharp", "vips",
//    "node", "concurrency", "iterations"}
// resize_ms: the same sizes from pixels decoded beforehand (raw in, raw out, nothing encoded);
// end_to_end_ms: from the files to encoded buffers in memory (decode + resize + encode).
// Both are the best of N passes; images run concurrently, one per core.

import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
let dir;
let widths = [320, 640, 960, 1280, 1920];
let quality = 80;
let placeholder = 16;
let iterations = 1;
for (let i = 0; i < args.length; i++) {
  const value = () => args[++i];
  switch (args[i]) {
    case '--widths': widths = value().split(',').map(Number).sort((a, b) => a - b); break;
    case '--quality': quality = Number(value()); break;
    case '--placeholder': placeholder = Number(value()); break;
    case '--iterations': iterations = Math.max(1, Number(value())); break;
    default: dir = args[i];
  }
}
if (!dir) {
  console.error('usage: node responsive.mjs DIR [--widths W,W] [--quality Q] [--placeholder W] [--iterations N]');
  process.exit(2);
}

const cores = availableParallelism();
// libuv runs sharp's work: one thread per core, set before sharp is loaded.
process.env.UV_THREADPOOL_SIZE = String(Math.max(4, cores));
const { default: sharp } = await import('sharp');

// Mirrors crates/gpu/src/plan.rs.
function sizes(width) {
  const out = widths.filter((w) => w <= width);
  if (width < widths[widths.length - 1] && out[out.length - 1] !== width) out.push(width);
  return out;
}

async function pool(items, work) {
  let next = 0;
  const run = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: cores }, run));
}

const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => join(dir, f));
const inputs = files.map((file) => readFileSync(file));
const decoded = [];
for (const input of inputs) {
  const { data, info } = await sharp(input).rotate().raw().toBuffer({ resolveWithObject: true });
  decoded.push({ data, info });
}
const megapixels = decoded.reduce((sum, { info }) => sum + (info.width * info.height) / 1e6, 0);

async function resizeOnly() {
  await pool(decoded, async ({ data, info }) => {
    const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
    for (const width of sizes(info.width)) {
      if (width !== info.width) await sharp(data, raw).resize(width).raw().toBuffer();
    }
    await sharp(data, raw).resize(Math.min(placeholder, info.width)).blur(1).raw().toBuffer();
  });
}

let outputs = 0;
let bytes = 0;
async function endToEnd() {
  outputs = 0;
  bytes = 0;
  await pool(inputs, async (input) => {
    const image = sharp(input).rotate();
    const { width, hasAlpha } = await image.metadata();
    const encoders = [(s) => s.webp({ quality }), hasAlpha ? (s) => s.png() : (s) => s.jpeg({ quality })];
    for (const size of sizes(width)) {
      for (const encode of encoders) {
        const out = await encode(image.clone().resize(size)).toBuffer();
        outputs += 1;
        bytes += out.length;
      }
    }
    const lqip = await image.clone().resize(Math.min(placeholder, width)).blur(1).webp({ quality: 50 }).toBuffer();
    outputs += 1;
    bytes += lqip.length;
  });
}

async function best(work) {
  let fastest = Infinity;
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

const resize_ms = await best(resizeOnly);
const end_to_end_ms = await best(endToEnd);
console.log(JSON.stringify({
  images: inputs.length,
  megapixels,
  resize_ms,
  end_to_end_ms,
  outputs,
  bytes,
  sharp: sharp.versions.sharp,
  vips: sharp.versions.vips,
  node: process.version,
  concurrency: cores,
  iterations,
}));
