// Test harness for Eghact browser tests: a static file server and a shared headless Chromium.
//
//   const server = await startServer(dir);          // { url, port, close }
//   const { page, errors, close } = await openPage(dir, '/scenario/index.html');
//   assertNoErrors(errors);                          // console errors + uncaught page errors
//   await closeBrowser();                            // in an after() hook
//   const report = buildProject(dir);                // `eghact build dir --json`, parsed
//
// Chromium comes from the system (/usr/bin/chromium, or $CHROMIUM): playwright-core never
// downloads a browser of its own.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The eghact binary: $EGHACT_BIN (for a build in another target folder), else this checkout's
 * target/debug/eghact; null when neither exists.
 */
export function eghactBinary() {
  const bin = process.env.EGHACT_BIN || path.join(repoRoot, 'target/debug/eghact');
  return fs.existsSync(bin) ? bin : null;
}

/**
 * Runs `eghact build <dir> --json [--out <out>] [...flags]` and returns the parsed report. Without
 * a built binary it goes through `cargo run` (slow). Throws with the tool's output when the build
 * fails.
 */
export function buildProject(dir, out, flags = []) {
  const args = ['build', dir, '--json', ...(out ? ['--out', out] : []), ...flags];
  const bin = eghactBinary();
  const [cmd, cmdArgs] = bin ? [bin, args] : ['cargo', ['run', '-q', '--', ...args]];
  let stdout;
  try {
    stdout = execFileSync(cmd, cmdArgs, { cwd: repoRoot, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    throw new Error(`\`${path.basename(cmd)} ${cmdArgs.join(' ')}\` failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  try {
    return JSON.parse(stdout);
  } catch {
    return { unparsed: stdout };
  }
}

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Serve `dir` on 127.0.0.1 at a free port. Resolves to { url, port, close }. With `fallback`
 * (a path such as '/index.html'), a missing path without a file extension gets that file, as
 * servers of history-API apps do.
 */
export function startServer(dir, { fallback = null } = {}) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = path.join(root, rel);
    // Never serve outside the root (../ in the URL).
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (fallback && !fs.existsSync(file) && !path.extname(rel)) file = path.join(root, fallback);
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: ' + rel);
        return;
      }
      const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

let browserPromise = null;

/** One Chromium per test process, launched on first use. */
export function launchBrowser() {
  browserPromise ||= chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  return browserPromise;
}

export async function closeBrowser() {
  if (!browserPromise) return;
  const p = browserPromise;
  browserPromise = null;
  await (await p).close();
}

/**
 * Open `urlPath` of a fresh server over `dir` (options as for startServer) in a fresh browser context.
 * Returns { page, errors, url, close }; `errors` fills with console errors and uncaught
 * exceptions (including unhandled rejections) as they happen.
 */
export async function openPage(dir, urlPath = '/', serverOptions = {}) {
  const server = await startServer(dir, serverOptions);
  const browser = await launchBrowser();
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`); });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  const url = server.url + urlPath;
  const close = async () => {
    await context.close().catch(() => {});
    await server.close();
  };
  try {
    await page.goto(url);
  } catch (e) {
    await close();
    throw e;
  }
  return { page, errors, url, close };
}

export function assertNoErrors(errors) {
  assert.deepEqual(errors, [], 'page reported errors');
}

/**
 * Retries `check` until it stops throwing. Component updates are batched into a microtask,
 * navigation waits for imports and load(), so assertions poll instead of relying on timing.
 */
export async function eventually(check, timeout = 3000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Opens `/${name}/index.html` under `root`, waits for `window.__ready`, runs `body(page, errors)`, and always closes the page. */
export async function withScenario(root, name, body) {
  const { page, errors, close } = await openPage(root, `/${name}/index.html`);
  try {
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 5000 });
    await body(page, errors);
  } finally {
    await close();
  }
}
