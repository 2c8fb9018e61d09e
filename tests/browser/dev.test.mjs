// End-to-end test of `eghact dev` (crates/dev): the real binary serves a project written here,
// headless Chromium opens its page, and the test edits files on disk as a user's editor saves
// them. Hot replacement must change the DOM without a reload (a marker on `window` survives),
// keep a counter's value while the component's declarations keep their shape, swap a
// stylesheet alone, show compile errors in an overlay until the next good save, follow a file
// deleted and created again, end a burst of 100 saves on the last one, and serve a routed app
// (examples/routes) with its page for every route URL. No timings: every check waits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { closeBrowser, eghactBinary, eventually, launchBrowser, repoRoot } from './harness.mjs';

const WAIT = 15000; // busy machines: generous, never a timing assertion

/** Starts `eghact dev <dir> --port 0`; resolves to { url, stop, output }. */
function startDev(dir) {
  const bin = eghactBinary();
  assert.ok(bin, 'build the binary first: cargo build --bin eghact');
  const child = spawn(bin, ['dev', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk.toString();
      const found = stdout.match(/http:\/\/[^\s]+/);
      if (found) resolve({ url: found[0], output, stop: () => child.kill('SIGINT') });
    });
    child.once('exit', (code) => reject(new Error(`eghact dev exited (${code}): ${output.join('')}`)));
  });
}

async function openPage(url) {
  const browser = await launchBrowser();
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const logs = [];
  page.on('console', (msg) => {
    logs.push(msg.text());
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(url);
  return { page, errors, logs, close: () => context.close() };
}

const write = (root, file, text) => fs.writeFileSync(path.join(root, file), text);

const COUNTER = (title, extra = '') => `<script>
  let count = 0;${extra}
</script>

<template>
  <h2 data-testid="title">${title}</h2>
  <button data-testid="inc" @click={() => count++}>+1</button>
  <p data-testid="count">{count}</p>
</template>

<style>
  h2 { color: rgb(0, 0, 255); }
</style>
`;

const APP = `<script>
  import Counter from './Counter.egh';
  import Label from './Label.egh';
  import { greeting } from './greeting';
</script>

<template>
  <Counter />
  <Label />
  <p data-testid="greeting">{greeting()}</p>
</template>
`;

const LABEL = (text) => `<template><span data-testid="label">${text}</span></template>\n`;

let root;
let server;
let page;
let errors;
let logs;
let closePage;

const text = (id) => page.locator(`[data-testid="${id}"]`).innerText();
const expectText = (id, expected) => eventually(async () => assert.equal(await text(id), expected, `text of ${id}`), WAIT);
const marker = () => page.evaluate(() => window.__marker);
const overlay = () => page.locator('eghact-error-overlay');

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-dev-'));
  fs.mkdirSync(path.join(root, 'src'));
  write(root, 'index.html', `<!doctype html>
<html><head><meta charset="utf-8"><title>dev</title><link rel="icon" href="data:,"></head>
<body><div id="app"></div>
<script type="module">
  import App from './src/App.egh';
  new App({ target: document.getElementById('app') });
  window.__ready = true;
</script></body></html>
`);
  write(root, 'src/App.egh', APP);
  write(root, 'src/Counter.egh', COUNTER('Counter'));
  write(root, 'src/Label.egh', LABEL('one'));
  write(root, 'src/greeting.ts', `export function greeting(): string {\n  return 'hello';\n}\n`);
  server = await startDev(root);
  ({ page, errors, logs, close: closePage } = await openPage(server.url));
  page.setDefaultTimeout(WAIT);
  await page.waitForFunction(() => window.__ready === true, null, { timeout: WAIT });
});

after(async () => {
  await closePage?.();
  await closeBrowser();
  if (process.env.EGHACT_DEV_LOG) console.log(server?.output.join(''));
  server?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test('the page renders the components compiled from memory, and nothing is written', async () => {
  await expectText('title', 'Counter');
  await expectText('greeting', 'hello');
  assert.ok(!fs.existsSync(path.join(root, 'dist')), 'no dist/');
  assert.deepEqual(fs.readdirSync(root).sort(), ['index.html', 'src']);
  const response = await page.evaluate(async () => {
    const r = await fetch('/src/App.egh');
    return { type: r.headers.get('content-type'), body: await r.text() };
  });
  assert.match(response.type, /^text\/javascript/);
  assert.match(response.body, /hot_component/);
  assert.deepEqual(errors, []);
});

test('a component edit changes the DOM in place and keeps the counter', async () => {
  await page.evaluate(() => { window.__marker = 42; });
  for (let i = 0; i < 3; i++) await page.locator('[data-testid="inc"]').click();
  await expectText('count', '3');
  write(root, 'src/Counter.egh', COUNTER('Edited counter'));
  await expectText('title', 'Edited counter');
  assert.equal(await marker(), 42, 'no reload');
  await expectText('count', '3');
  await page.locator('[data-testid="inc"]').click();
  await expectText('count', '4');
  assert.deepEqual(errors, []);
});

test('a style-only edit swaps the stylesheet without touching the DOM', async () => {
  const color = () => page.locator('[data-testid="title"]').evaluate((el) => getComputedStyle(el).color);
  assert.equal(await color(), 'rgb(0, 0, 255)');
  await page.locator('[data-testid="title"]').evaluate((el) => { el.__kept = true; });
  write(root, 'src/Counter.egh', COUNTER('Edited counter').replace('rgb(0, 0, 255)', 'rgb(255, 0, 0)'));
  await eventually(async () => assert.equal(await color(), 'rgb(255, 0, 0)'), WAIT);
  assert.equal(await page.locator('[data-testid="title"]').evaluate((el) => el.__kept), true, 'the same element');
  assert.equal(await marker(), 42);
  await expectText('count', '4');
  assert.deepEqual(errors, []);
});

test('a compile error shows an overlay, the last good module keeps running, the next good save clears it', async () => {
  write(root, 'src/Counter.egh', COUNTER('Broken {').replace('let count = 0;', 'let count = ;'));
  await eventually(async () => assert.equal(await overlay().count(), 1), WAIT);
  const shown = await overlay().evaluate((el) => el.shadowRoot.querySelector('.window').textContent);
  assert.match(shown, /error\[E\d{4}\]/, 'the code');
  assert.match(shown, /src\/Counter\.egh:2:\d+/, 'file:line:col');
  const link = await overlay().evaluate((el) => el.shadowRoot.querySelector('a[data-open]').dataset.open);
  assert.match(link, /^\/__open-in-editor\?file=src\/Counter\.egh&line=2&column=\d+$/);
  await expectText('count', '4');
  // The overlay covers the page (it takes the pointer); the component under it still works.
  await page.evaluate(() => document.querySelector('[data-testid="inc"]').click());
  await expectText('count', '5');
  errors.splice(0); // the overlay logs the errors to the console too
  write(root, 'src/Counter.egh', COUNTER('Fixed counter'));
  await expectText('title', 'Fixed counter');
  await eventually(async () => assert.equal(await overlay().count(), 0), WAIT);
  await expectText('count', '5');
  assert.equal(await marker(), 42);
  assert.deepEqual(errors, []);
});

test('a file deleted and created again', async () => {
  fs.rmSync(path.join(root, 'src/Label.egh'));
  await eventually(async () => assert.equal(await overlay().count(), 1), WAIT);
  assert.match(await overlay().evaluate((el) => el.shadowRoot.querySelector('.window').textContent), /Label\.egh/);
  await expectText('label', 'one');
  errors.splice(0);
  write(root, 'src/Label.egh', LABEL('two'));
  await expectText('label', 'two');
  await eventually(async () => assert.equal(await overlay().count(), 0), WAIT);
  assert.equal(await marker(), 42);
  assert.deepEqual(errors, []);
});

test('100 saves in 2 s end on the last one', async () => {
  for (let i = 0; i < 100; i++) {
    write(root, 'src/Counter.egh', COUNTER(`Save ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await expectText('title', 'Save 99');
  assert.equal(await marker(), 42);
  await expectText('count', '5');
  assert.deepEqual(errors, []);
});

test('new declarations start the state afresh, and say why', async () => {
  write(root, 'src/Counter.egh', COUNTER('Reshaped', '\n  let clicks = 0;'));
  await expectText('title', 'Reshaped');
  await expectText('count', '0');
  assert.ok(logs.some((line) => /local state starts afresh/.test(line)), logs.join('\n'));
  assert.equal(await marker(), 42);
});

test('a plain module edit reaches the component that imports it', async () => {
  write(root, 'src/greeting.ts', `export function greeting(): string {\n  return 'hi there';\n}\n`);
  await expectText('greeting', 'hi there');
  assert.equal(await marker(), 42);
  assert.deepEqual(errors, []);
});

test('a module the page imports itself reloads the page, with the reason', async () => {
  write(root, 'src/main.ts', `export const ready = 1;\n`);
  write(root, 'index.html', fs.readFileSync(path.join(root, 'index.html'), 'utf8').replace(
    "import App from './src/App.egh';", "import App from './src/App.egh';\n  import './src/main.ts';"));
  await page.reload();
  await page.waitForFunction(() => window.__ready === true, null, { timeout: WAIT });
  await page.evaluate(() => { window.__marker = 7; });
  const reloaded = page.waitForEvent('load', { timeout: WAIT });
  write(root, 'src/main.ts', `export const ready = 2;\n`);
  await reloaded;
  await page.waitForFunction(() => window.__ready === true, null, { timeout: WAIT });
  assert.equal(await marker(), undefined, 'the page loaded again');
  assert.ok(logs.some((line) => /reloading the page: src\/main\.ts/.test(line)), logs.join('\n'));
});

test('a routed app: every route URL gets the page, and its pages update in place', async () => {
  const routes = fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-dev-routes-'));
  const example = path.join(repoRoot, 'examples/routes');
  for (const part of ['index.html', 'src', 'api']) fs.cpSync(path.join(example, part), path.join(routes, part), { recursive: true });
  const routed = await startDev(routes);
  const opened = await openPage(`${routed.url}about`);
  try {
    const about = opened.page.locator('[data-testid="about"]');
    await eventually(async () => assert.match(await about.innerText(), /About/), WAIT);
    await opened.page.evaluate(() => { window.__marker = 'routes'; });
    const file = path.join(routes, 'src/routes/about.egh');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/<h1([^>]*)>[^<]*<\/h1>/, '<h1$1>About, edited</h1>'));
    await eventually(async () => assert.match(await opened.page.locator('h1').first().innerText(), /About, edited/), WAIT);
    assert.equal(await opened.page.evaluate(() => window.__marker), 'routes');
    assert.deepEqual(opened.errors, []);
  } finally {
    await opened.close();
    routed.stop();
    fs.rmSync(routes, { recursive: true, force: true });
  }
});
