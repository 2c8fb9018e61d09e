// Browser tests of compiled components: each scenario under fixtures/compiled/ is a small eghact
// project (src/*.egh plus an index.html that mounts dist/App.js). It is copied to a temp dir,
// built there with the eghact binary, and driven in headless Chromium like a user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeBrowser, assertNoErrors, buildProject, withScenario } from './harness.mjs';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/compiled');
let root;

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-compiled-'));
  fs.cpSync(FIXTURES, root, { recursive: true });
  for (const scenario of fs.readdirSync(root)) {
    const report = buildProject(path.join(root, scenario));
    assert.deepEqual(report.diagnostics, [], `${scenario} builds without diagnostics`);
  }
});

after(async () => {
  await closeBrowser();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const scenario = (name, body) => withScenario(root, name, body);

const flush = (page) => page.evaluate(() => window.rt.tick());
const text = (page, sel) => page.textContent(sel);
const hasClass = (page, sel, cls) => page.$eval(sel, (el, c) => el.classList.contains(c), cls);

test('signals: template reads of a getter re-run when its setter is called', async () => {
  await scenario('signals', async (page, errors) => {
    assert.equal(await text(page, '.mode'), 'A');
    assert.equal(await hasClass(page, '.toggle', 'active'), false);
    assert.equal(await text(page, '.summary'), 'a:0');

    await page.click('.toggle');
    await flush(page);
    assert.equal(await page.$eval('.mode', (el) => el.localName), 'i', '{:else} branch');
    assert.equal(await text(page, '.mode'), 'b');
    assert.equal(await hasClass(page, '.toggle', 'active'), true, 'class:active follows mode()');
    assert.equal(await text(page, '.summary'), 'b:0', '$: statements reading the getter re-run');

    await page.click('.bump');
    await page.click('.bump');
    await flush(page);
    assert.equal(await text(page, '.bump'), '2', 'a const signal updates too');
    assert.equal(await text(page, '.readout'), '2', 'a child given the getter follows it');
    assert.equal(await text(page, '.summary'), 'b:2');

    await page.click('.toggle');
    await flush(page);
    assert.equal(await page.$eval('.mode', (el) => el.localName), 'b');
    assert.equal(await hasClass(page, '.toggle', 'active'), false);

    // A setter called outside an event handler schedules the same update.
    await page.evaluate(() => window.__signals.setCount(40));
    await flush(page);
    assert.equal(await text(page, '.bump'), '40');

    // After destroy the subscriptions are gone: setting a signal touches nothing and throws nothing.
    await page.evaluate(() => { window.app.$destroy(); window.__signals.setMode('b'); window.__signals.setCount(1); });
    await flush(page);
    assert.equal(await page.evaluate(() => document.getElementById('app').childNodes.length), 0);
    assertNoErrors(errors);
  });
});

test('createStore middleware (validate, clamp, logger) and persist', async () => {
  await scenario('middleware', async (page, errors) => {
    await page.evaluate(() => localStorage.removeItem('tally'));
    await page.reload();
    await page.waitForFunction(() => window.__ready === true);
    assert.equal(await text(page, '.value'), '0 / 0');

    await page.click('.inc');
    await flush(page);
    assert.equal(await text(page, '.value'), '2 / 4');
    await page.click('.inc');
    await page.click('.inc');
    await flush(page);
    assert.equal(await text(page, '.value'), '5 / 10', 'clamped to 5');
    await page.click('.bad');
    await flush(page);
    assert.equal(await text(page, '.value'), '5 / 10', 'validate drops 1.5');
    assert.deepEqual(await page.evaluate(() => window.__rejected), [1.5]);
    // `$tally -= 3` in the template goes through the store's set, so through the middleware too.
    await page.click('.dec');
    await page.click('.dec');
    await flush(page);
    assert.equal(await text(page, '.value'), '0 / 0', 'clamped to 0');
    assert.deepEqual(await page.evaluate(() => window.__log), [
      '[eghact] tally: 0 → 2', '[eghact] tally: 2 → 4', '[eghact] tally: 4 → 5', '[eghact] tally: 5 → 2', '[eghact] tally: 2 → 0',
    ]);
    await page.click('.inc');
    await flush(page);
    assert.equal(await page.evaluate(() => localStorage.getItem('tally')), '2');

    // The persisted value is the initial value after a reload.
    await page.reload();
    await page.waitForFunction(() => window.__ready === true);
    assert.equal(await text(page, '.value'), '2 / 4');
    assertNoErrors(errors);
  });
});
