// End-to-end test of examples/npm: an app that imports npm packages (ms, CommonJS; nanoid, ES
// modules, with a `browser` export) and a TypeScript helper. The per-module build writes the
// packages pre-bundled into dist/eghact-deps/; with EGHACT_BROWSER_MODE=bundle (npm.bundle.test.mjs)
// the production bundle resolves them itself. `scripts/test.sh` installs the packages from the
// example's lock file (`npm ci`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { assertNoErrors, buildProject, closeBrowser, eventually, openPage, repoRoot } from './harness.mjs';

const example = path.join(repoRoot, 'examples/npm');
const bundled = process.env.EGHACT_BROWSER_MODE === 'bundle';
const bundleDir = bundled ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-npm-bundle-')), 'dist') : null;

let page;
let errors;
let closePage;
let report;

const text = async (id) => (await page.locator(`[data-testid="${id}"]`).innerText()).trim();

before(async () => {
  assert.ok(fs.existsSync(path.join(example, 'node_modules/ms')), 'run `npm ci` in examples/npm (scripts/test.sh does)');
  report = buildProject('examples/npm', bundleDir, bundled ? ['--release'] : []);
  ({ page, errors, close: closePage } = await openPage(bundled ? bundleDir : example, '/index.html'));
  page.setDefaultTimeout(5000);
  await page.locator('[data-testid="app"]').waitFor();
});

after(async () => {
  await closePage?.();
  await closeBrowser();
  if (bundleDir) fs.rmSync(path.dirname(bundleDir), { recursive: true, force: true });
});

test('the example builds without diagnostics', () => {
  assert.deepEqual(report.diagnostics, []);
  if (!bundled) {
    const deps = fs.readdirSync(path.join(example, 'dist/eghact-deps')).sort();
    assert.ok(deps.includes('ms.js') && deps.includes('nanoid.js'), `pre-bundled: ${deps}`);
    assert.match(fs.readFileSync(path.join(example, 'dist/App.js'), 'utf8'), /from "\.\/eghact-deps\/ms\.js"/);
    assert.ok(fs.existsSync(path.join(example, 'dist/format.js')), 'the .ts helper is compiled to JavaScript');
  }
});

test('a CommonJS package, an ES module package and a .ts helper run in the page', async () => {
  assert.equal(await text('duration'), '48 hours');
  assert.equal(await text('spoken'), '2 minutes');
  assert.equal(await text('id-length'), '8');
  await page.locator('[data-testid="again"]').click();
  await eventually(async () => assert.equal(await text('id-length'), '12'));
  const color = await page.locator('[data-testid="duration"]').evaluate((el) => getComputedStyle(el).color);
  assert.equal(color, 'rgb(22, 101, 52)', 'the component stylesheet applies');
  assertNoErrors(errors.splice(0));
});
