// The peer of `cargo bench --bench bundle`: a production build of PROJECT (an index.html, a
// main.js mounting src/App.svelte) by Vite with @sveltejs/vite-plugin-svelte, in this process,
// as `vite build` runs it. Prints one JSON line: versions, the build's wall time (after Node and
// Vite are loaded), and the output's sizes (JS raw and gzip, CSS raw).
//
//   node benches/vite/build.mjs PROJECT
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { build } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = path.resolve(process.argv[2] ?? '.');
const outDir = path.join(root, 'dist');
const started = performance.now();
await build({
  root,
  configFile: false,
  logLevel: 'silent',
  plugins: [svelte()],
  build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 1e9 },
});
const ms = performance.now() - started;

const files = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else files.push(full);
  }
};
walk(outDir);
const sum = (list, f) => list.reduce((total, file) => total + f(fs.readFileSync(file)), 0);
const js = files.filter((f) => f.endsWith('.js'));
const css = files.filter((f) => f.endsWith('.css'));
const versionOf = (name) =>
  JSON.parse(fs.readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
console.log(JSON.stringify({
  vite: versionOf('vite'),
  svelte: versionOf('svelte'),
  plugin: versionOf('@sveltejs/vite-plugin-svelte'),
  ms,
  jsFiles: js.length,
  jsBytes: sum(js, (b) => b.length),
  jsGzipBytes: sum(js, (b) => zlib.gzipSync(b).length),
  cssBytes: sum(css, (b) => b.length),
}));
