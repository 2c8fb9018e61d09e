// Test harness for Eghact browser tests: a static file server and a shared headless Chromium.
//
//   const server = await startServer(dir);          // { url, port, close }
//   const { page, errors, close } = await openPage(dir, '/scenario/index.html');
//   assertNoErrors(errors);                          // console errors + uncaught page errors
//   await closeBrowser();                            // in an after() hook
//
// Chromium comes from the system (/usr/bin/chromium, or $CHROMIUM): playwright-core never
// downloads a browser of its own.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

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

/** Serve `dir` on 127.0.0.1 at a free port. Resolves to { url, port, close }. */
export function startServer(dir) {
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
 * Open `urlPath` of a fresh server over `dir` in a fresh browser context.
 * Returns { page, errors, url, close }; `errors` fills with console errors and uncaught
 * exceptions (including unhandled rejections) as they happen.
 */
export async function openPage(dir, urlPath = '/') {
  const server = await startServer(dir);
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
