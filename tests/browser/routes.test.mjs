// End-to-end test of file-system routing (examples/routes): build the example with the eghact
// binary into a temp folder, serve it like a history-API app (unknown paths get index.html)
// and navigate in headless Chromium: links, back/forward, `$route.params`, `load()` data,
// layouts that stay mounted, and the error page. With EGHACT_BROWSER_MODE=bundle (set by
// routes.bundle.test.mjs) the same tests run on the production bundle, each page a lazy chunk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { assertNoErrors, buildProject, closeBrowser, openPage, repoRoot, eventually } from './harness.mjs';

let root;
let page;
let errors;
let url;
let closePage;
const bundled = process.env.EGHACT_BROWSER_MODE === 'bundle';

const byTestId = (id) => page.locator(`[data-testid="${id}"]`);
const text = async (id) => (await byTestId(id).innerText()).replace(/\s+/g, ' ').trim();


const expectText = (id, expected) => eventually(async () => assert.equal(await text(id), expected, `text of ${id}`));
const expectPath = (expected) => eventually(async () => assert.equal(new URL(page.url()).pathname, expected));

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-routes-'));
  const example = path.join(repoRoot, 'examples/routes');
  for (const part of ['index.html', 'src', 'api']) fs.cpSync(path.join(example, part), path.join(root, part), { recursive: true });
  const report = buildProject(root, null, bundled ? ['--release'] : []);
  assert.deepEqual(report.diagnostics, [], 'the routes example builds without diagnostics');
  let served = root;
  if (bundled) {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'dist/manifest.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.routes).sort(), ['/', '/about', '/users/[id]'], 'each page is a route of the manifest');
    // Deployed beside the bundle, as a server would hold the data.
    fs.cpSync(path.join(root, 'api'), path.join(root, 'dist/api'), { recursive: true });
    served = path.join(root, 'dist');
  } else {
    assert.ok(fs.existsSync(path.join(root, 'dist/eghact-routes.js')),
      'the build writes the route manifest dist/eghact-routes.js (routes::for_sources, crates/semantics/src/routes.rs)');
  }
  ({ page, errors, url, close: closePage } = await openPage(served, '/', { fallback: '/index.html' }));
  page.setDefaultTimeout(5000);
});

after(async () => {
  await closePage?.();
  await closeBrowser();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test('the index page renders inside the layout', async () => {
  await expectText('home', 'Home Pick a user above; each page loads its data before it shows.');
  await expectText('where', '/ (page 1)');
  assert.equal(await byTestId('nav-home').getAttribute('class').then((c) => c.split(/\s+/).includes('current')), true);
  assertNoErrors(errors.splice(0));
});

test('links navigate without reloading; the layout stays mounted', async () => {
  await page.evaluate(() => { window.__sameDocument = true; });
  await byTestId('nav-about').click();
  await expectPath('/about');
  await expectText('where', '/about (page 2)');
  assert.equal(await byTestId('home').count(), 0, 'the previous page is gone');
  // A signal on the page works as anywhere else.
  await byTestId('about-toggle').click();
  await expectText('about-more', 'Pages live in src/routes/; the build writes their manifest.');
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no full page load');
  assertNoErrors(errors.splice(0));
});

test('a dynamic route reads $route.params and shows what load() returned', async () => {
  await byTestId('nav-user-1').click();
  await expectPath('/users/1');
  await expectText('user-param', 'User #1');
  await expectText('user-name', 'Ada Lovelace');
  await expectText('user-role', 'Analyst');

  // Same page component, other params: load() runs again.
  await byTestId('nav-user-2').click();
  await expectPath('/users/2');
  await expectText('user-param', 'User #2');
  await expectText('user-name', 'Grace Hopper');
  await expectText('where', '/users/2 (page 4)');
  assertNoErrors(errors.splice(0));
});

test('back and forward go through the history', async () => {
  await page.goBack();
  await expectPath('/users/1');
  await expectText('user-name', 'Ada Lovelace');
  await page.goBack();
  await expectPath('/about');
  await expectText('about', 'About More');
  await page.goForward();
  await expectText('user-name', 'Ada Lovelace');
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  assertNoErrors(errors.splice(0));
});

test('a load() that throws a status and an unknown path show the error page', async () => {
  await byTestId('nav-user-99').click();
  await expectPath('/users/99');
  await expectText('error-status', '404');
  await expectText('error-message', 'No user 99');
  // Back, back and forward above were navigations too.
  await expectText('where', '/users/99 (page 8)');

  await byTestId('nav-nowhere').click();
  await expectPath('/nowhere');
  await expectText('error-status', '404');
  await expectText('error-message', 'Not found: /nowhere');
  // The browser logs the failed fetch of /api/users/99.json; nothing else may be reported.
  assertNoErrors(errors.splice(0).filter((e) => !/status of 404/.test(e)));
});

test('a deep link loads directly, and goto() navigates from code', async () => {
  await page.goto(`${url.replace(/\/$/, '')}/users/2`);
  await expectText('user-name', 'Grace Hopper');
  await expectText('where', '/users/2 (page 1)');
  await page.evaluate(() => window.router.goto('/about'));
  await expectPath('/about');
  await expectText('about', 'About More');
  assertNoErrors(errors.splice(0));
});

test('bundle-report.html draws every chunk of the bundle with its modules', { skip: !bundled && 'bundles only' }, async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'dist/manifest.json'), 'utf8'));
  const report = await openPage(path.join(root, 'dist'), '/bundle-report.html');
  try {
    const chunks = report.page.locator('#map .chunk');
    const files = await chunks.evaluateAll((els) => els.map((el) => el.dataset.file).sort());
    assert.deepEqual(files, Object.keys(manifest.chunks).sort(), 'one box per chunk of the manifest');
    const areas = await chunks.evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => r.width * r.height));
    assert.ok(areas.every((area) => area > 0), `every chunk is drawn: ${areas}`);
    const about = report.page.locator('#map .module[data-source="src/routes/about.egh"]');
    assert.equal(await about.count(), 1, 'the page about.egh is a module of its chunk');
    assert.equal(await report.page.locator('#chunks tbody tr').count(), files.length, 'a table row per chunk');
    assert.match(await report.page.locator('#totals').innerText(), /gzip.*brotli/);
    assertNoErrors(report.errors);
  } finally {
    await report.close();
  }
});
