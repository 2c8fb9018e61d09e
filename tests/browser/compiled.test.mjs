// Browser tests of compiled components: each scenario under fixtures/compiled/ is a small eghact
// project (src/*.egh plus an index.html that mounts dist/App.js). It is copied to a temp dir,
// built there with the eghact binary, and driven in headless Chromium like a user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeBrowser, assertNoErrors, buildProject, eventually, withScenario } from './harness.mjs';

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

test('attributes from data never run script: any case, spread, bind:, every URL and HTML attribute', async () => {
  await scenario('urls', async (page, errors) => {
    const attribute = (sel, name) => page.$eval(sel, (el, n) => el.getAttribute(n), name);
    await page.evaluate(() => window.__setLater('javascript:void (top.pwned ||= []).push("updated href")'));
    await flush(page);
    // Clicks that would navigate to a `javascript:` URL (or run an `on…` attribute). The page stays.
    for (const sel of ['#upper', '#mixed', '#spread-href', '#spread-on', '#later', '#bound', '#control-chars', '#submit',
      '#formaction', '#svg-href', '#svg-xlink', '#svg-set text', '#svg-spread']) {
      await page.click(sel, { noWaitAfter: true });
    }
    await page.hover('#spread-on');
    // A control that does run, queued after everything above: once it has run, so would have they.
    await page.evaluate(() => {
      const a = document.createElement('a');
      a.href = 'javascript:void (window.control = 1)';
      document.body.append(a);
      a.click();
      const frame = document.createElement('iframe');
      frame.src = 'javascript:void (top.frameControl = 1)';
      document.body.append(frame);
    });
    await eventually(async () => assert.deepEqual(await page.evaluate(() => [window.control, window.frameControl]), [1, 1]));
    assert.deepEqual(await page.evaluate(() => window.pwned), undefined, 'no value from data ran');

    // What the DOM holds: refused URLs keep their text behind `unsafe:`, refused names are absent.
    assert.match(await attribute('#upper', 'href'), /^unsafe:javascript:/);
    assert.match(await attribute('#frame-src', 'src'), /^unsafe:javascript:/);
    assert.match(await attribute('#object', 'data'), /^unsafe:javascript:/);
    assert.match(await attribute('#cite', 'cite'), /^unsafe:javascript:/);
    assert.match(await attribute('#poster', 'poster'), /^unsafe:javascript:/);
    assert.match(await page.$eval('#svg-xlink', (el) => el.getAttributeNode('xlink:href').value), /^unsafe:javascript:/);
    assert.match(await attribute('#svg-set set', 'to'), /^unsafe:javascript:/);
    assert.match(await attribute('#ping', 'ping'), /^\/ok unsafe:javascript:/);
    assert.equal(await attribute('#spread-on', 'onclick'), null);
    assert.equal(await attribute('#spread-on', 'onmouseover'), null);
    assert.equal(await attribute('#spread-on', 'data-kept'), 'yes', 'the rest of a spread is set');
    assert.equal(await attribute('#spread-href', 'title'), 'kept');
    assert.equal(await attribute('#frame-srcdoc', 'srcdoc'), null);

    // Ordinary URLs, `mailto:`, relative URLs and data: images are set as given.
    assert.equal(await attribute('#https', 'href'), 'https://example.com/path?q=1');
    assert.equal(await attribute('#mailto', 'href'), 'mailto:someone@example.com');
    assert.equal(await attribute('#relative', 'href'), './other.html#x');
    const srcset = await attribute('#pixel', 'srcset');
    assert.match(srcset, /^data:image\/png;base64,\S+ 1x, unsafe:javascript:.* 2x$/);
    await eventually(async () => assert.equal(await page.$eval('#pixel', (img) => img.complete && img.naturalWidth), 1));
    await page.evaluate(() => window.__setLater('https://example.com/after'));
    await flush(page);
    assert.equal(await attribute('#later', 'href'), 'https://example.com/after');
    // The browser says that it cannot open the `unsafe:` URLs of <object> and <embed>: that is the point.
    assertNoErrors(errors.filter((e) => !e.includes('ERR_UNKNOWN_URL_SCHEME') && !e.includes(`launch 'unsafe:`)));
  });
});
