// Svelte baseline for `cargo bench --bench compile`.
//
// Usage: node benches/svelte/compile.mjs DIR [--iterations N] [--warmup N]
//
// Reads every .svelte file under DIR into memory, compiles each one with svelte/compiler
// (DOM output, CSS emitted separately) on this single thread, first for a warm-up, then for
// N timed passes, and prints one JSON line:
//   {"components": N, "total_ms": best pass, "ms_per_component": best / N, "median_ms_per_component": ...,
//    "svelte": "4.x.y", "node": "vX", "iterations": N, "warnings": W}
// File reading is not timed. Exits non-zero when any file fails to compile.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compile, VERSION } from 'svelte/compiler';

function usage(message) {
  if (message) console.error(message);
  console.error('usage: node compile.mjs DIR [--iterations N] [--warmup N]');
  process.exit(2);
}

const args = process.argv.slice(2);
let dir;
let iterations = 5;
let warmup = 1;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--iterations' || arg === '--warmup') {
    const value = Number.parseInt(args[++i], 10);
    if (!Number.isInteger(value) || value < (arg === '--iterations' ? 1 : 0)) usage(`bad ${arg} value`);
    if (arg === '--iterations') iterations = value;
    else warmup = value;
  } else if (dir === undefined) {
    dir = arg;
  } else {
    usage(`unexpected argument ${arg}`);
  }
}
if (dir === undefined) usage();

function collect(root) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.isFile() && entry.name.endsWith('.svelte')) {
        out.push({ filename: relative(root, path), source: readFileSync(path, 'utf8') });
      }
    }
  };
  walk(root);
  return out;
}

const files = collect(dir);
if (files.length === 0) usage(`no .svelte files under ${dir}`);

// Svelte 4 options; `css: 'external'` returns the CSS separately like Eghact's compiler does.
const options = (filename) => ({ filename, generate: 'dom', css: 'external' });

let sink = 0; // keep results observable so nothing is optimised away
let warnings = 0;
function pass(countWarnings) {
  for (const { filename, source } of files) {
    const result = compile(source, options(filename));
    sink += result.js.code.length + (result.css?.code?.length ?? 0);
    if (countWarnings) warnings += result.warnings.length;
  }
}

try {
  for (let i = 0; i < warmup; i++) pass(i === 0);
  if (warmup === 0) pass(true); // still validate every file once, untimed
} catch (error) {
  console.error(`svelte compile failed: ${error.filename ?? ''} ${error.message}`);
  process.exit(1);
}

const times = [];
for (let i = 0; i < iterations; i++) {
  const start = performance.now();
  pass(false);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const best = times[0];
const median = times[Math.floor((times.length - 1) / 2)] / 2 + times[Math.ceil((times.length - 1) / 2)] / 2;
const round = (x) => Math.round(x * 1000) / 1000;

console.log(
  JSON.stringify({
    components: files.length,
    total_ms: round(best),
    ms_per_component: round(best / files.length),
    median_ms_per_component: round(median / files.length),
    iterations,
    warnings,
    svelte: VERSION,
    node: process.version,
    checksum: sink,
  }),
);
