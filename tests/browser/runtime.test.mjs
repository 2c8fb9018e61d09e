// Browser tests for crates/codegen/runtime/runtime.js. Each scenario under fixtures/runtime/ is an
// index.html plus component modules written by hand in the exact shape the compiler emits;
// they are copied to a temp dir next to the runtime (as ./eghact-runtime.js) and driven in
// headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeBrowser, assertNoErrors, withScenario } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNTIME = path.resolve(here, '../../crates/codegen/runtime/runtime.js');
const FIXTURES = path.join(here, 'fixtures/runtime');
let root;

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-runtime-'));
  fs.cpSync(FIXTURES, root, { recursive: true });
  for (const d of fs.readdirSync(root)) fs.copyFileSync(RUNTIME, path.join(root, d, 'eghact-runtime.js'));
});

after(async () => {
  await closeBrowser();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const scenario = (name, body) => withScenario(root, name, body);

const flush = (page) => page.evaluate(() => window.rt.tick());
const texts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent));
const text = (page, sel) => page.textContent(sel);

test('text updates touch only dependent nodes; css link injected once', async () => {
  await scenario('text', async (page, errors) => {
    assert.equal(await text(page, '#one h3'), 'Hits: 0');
    assert.equal(await text(page, '#two h3'), 'Score: 0');
    assert.equal(await text(page, '#one p.doubled'), 'doubled 0');
    await page.evaluate(() => {
      const s = document.querySelector('#one section');
      window.__h3text = s.querySelector('h3').firstChild;
      window.__records = [];
      new MutationObserver((rs) => window.__records.push(...rs)).observe(s, {
        subtree: true, childList: true, characterData: true, attributes: true,
      });
    });
    await page.click('#one button.bump');
    await flush(page);
    assert.equal(await text(page, '#one h3'), 'Hits: 1');
    assert.equal(await text(page, '#one p.doubled'), 'doubled 2');
    assert.equal(await text(page, '#two h3'), 'Score: 0', 'the other instance is untouched');
    const seen = await page.evaluate(() => ({
      same: document.querySelector('#one h3').firstChild === window.__h3text,
      records: window.__records.map((r) => `${r.type}:${r.target.parentNode.localName}`),
    }));
    assert.ok(seen.same, 'the text node is updated in place');
    assert.deepEqual(seen.records.sort(), ['characterData:h3', 'characterData:p']);

    await page.evaluate(() => { window.__records.length = 0; });
    await page.click('#one button.rename');
    await flush(page);
    assert.equal(await text(page, '#one span.other'), 'calm!');
    assert.deepEqual(await page.evaluate(() => window.__records.map((r) => `${r.type}:${r.target.parentNode.localName}`)),
      ['characterData:span']);

    await page.evaluate(() => window.one.$set({ label: 'Total' }));
    await flush(page);
    assert.equal(await text(page, '#one h3'), 'Total: 1');
    // $set with an unchanged primitive does not touch the DOM.
    await page.evaluate(() => { window.__records.length = 0; window.one.$set({ label: 'Total' }); });
    await flush(page);
    assert.equal(await page.evaluate(() => window.__records.length), 0);

    const css = await page.evaluate(() => ({
      links: document.querySelectorAll('link[rel="stylesheet"]').length,
      border: getComputedStyle(document.querySelector('#two section')).borderTopColor,
      cls: document.querySelector('#one p.doubled').className,
    }));
    assert.equal(css.links, 1);
    assert.equal(css.border, 'rgb(255, 0, 0)');
    assert.equal(css.cls, 'doubled egh-c0unt');
    assertNoErrors(errors);
  });
});

test('if / else if / else switches branches and keeps a live branch', async () => {
  await scenario('ifelse', async (page, errors) => {
    const inner = () => page.evaluate(() => document.querySelector('.box').innerHTML.replace(/<!---->/g, ''));
    assert.equal(await text(page, '.box'), 'lowafter');
    await page.evaluate(() => window.__if.setLevel(5));
    await flush(page);
    assert.equal(await text(page, '.box i'), 'medium 5');
    await page.evaluate(() => { window.__i = document.querySelector('.box i'); window.__if.setLevel(6); });
    await flush(page);
    assert.equal(await text(page, '.box i'), 'medium 6');
    assert.ok(await page.evaluate(() => document.querySelector('.box i') === window.__i), 'same branch is kept');
    await page.evaluate(() => window.__if.setLevel(12));
    await flush(page);
    assert.equal(await text(page, '.box'), 'high xafter');
    await page.evaluate(() => window.__if.setName('y'));
    await flush(page);
    assert.equal(await text(page, '.box b'), 'high y');
    await page.evaluate(() => window.__if.setLevel(0));
    await flush(page);
    assert.equal(await text(page, '.box'), 'lowafter');
    assert.equal(await page.$$eval('.box b, .box i', (e) => e.length), 0);
    assert.match(await inner(), /^low<span class="after">after<\/span>$/);
    assertNoErrors(errors);
  });
});

test('keyed each reorders the same DOM nodes; unkeyed grows and shrinks; {:else}', async () => {
  await scenario('each', async (page, errors) => {
    assert.deepEqual(await texts(page, '.keyed li'), ['0:a', '1:b', '2:c']);
    await page.evaluate(() => document.querySelectorAll('.keyed li').forEach((li) => { li.__tag = li.textContent.slice(2); }));
    await page.evaluate(() => window.__each.setRows([{ id: 3, label: 'c' }, { id: 1, label: 'a' }, { id: 2, label: 'B' }]));
    await flush(page);
    assert.deepEqual(await texts(page, '.keyed li'), ['0:c', '1:a', '2:B']);
    assert.deepEqual(await page.$$eval('.keyed li', (els) => els.map((e) => e.__tag)), ['c', 'a', 'b'],
      'kept keys keep their nodes');

    // reverse, drop one, add one
    await page.evaluate(() => window.__each.setRows([{ id: 2, label: 'B' }, { id: 4, label: 'd' }, { id: 3, label: 'c' }]));
    await flush(page);
    assert.deepEqual(await texts(page, '.keyed li'), ['0:B', '1:d', '2:c']);
    assert.deepEqual(await page.$$eval('.keyed li', (els) => els.map((e) => e.__tag)), ['b', undefined, 'c']);

    // a non-list change updates rows in place
    await page.evaluate(() => window.__each.setSuffix('!'));
    await flush(page);
    assert.deepEqual(await texts(page, '.keyed li'), ['0:B!', '1:d!', '2:c!']);

    // duplicate keys don't crash
    await page.evaluate(() => window.__each.setRows([{ id: 1, label: 'x' }, { id: 1, label: 'y' }, { id: 2, label: 'z' }]));
    await flush(page);
    assert.deepEqual(await texts(page, '.keyed li'), ['0:x!', '1:y!', '2:z!']);

    // {:else}
    await page.evaluate(() => window.__each.setRows([]));
    await flush(page);
    assert.deepEqual(await texts(page, '.keyed li'), ['nothing yet']);
    await page.evaluate(() => window.__each.setRows(null));
    await flush(page);
    assert.deepEqual(await texts(page, '.keyed li'), ['nothing yet']);
    await page.evaluate(() => window.__each.setRows([{ id: 9, label: 'n' }]));
    await flush(page);
    assert.deepEqual(await texts(page, '.keyed li'), ['0:n!']);

    // random permutations with inserts and removals keep every surviving node
    const bad = await page.evaluate(async () => {
      let seed = 7;
      const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
      let rows = [];
      let nextId = 100;
      for (let round = 0; round < 60; round++) {
        const byId = new Map([...document.querySelectorAll('.keyed li')].filter((li) => li.__id).map((li) => [li.__id, li]));
        rows = rows.filter(() => rand(5) > 0);
        while (rand(3) > 0) rows.splice(rand(rows.length + 1), 0, { id: nextId, label: 'r' + nextId++ });
        for (let i = rows.length - 1; i > 0; i--) { const j = rand(i + 1); [rows[i], rows[j]] = [rows[j], rows[i]]; }
        window.__each.setRows(rows.slice());
        await window.rt.tick();
        const lis = [...document.querySelectorAll('.keyed li')];
        if (!rows.length) { if (lis.length !== 1 || lis[0].className !== 'empty') return `round ${round}: else missing`; continue; }
        if (lis.length !== rows.length) return `round ${round}: ${lis.length} != ${rows.length}`;
        for (let i = 0; i < rows.length; i++) {
          if (lis[i].textContent !== `${i}:${rows[i].label}!`) return `round ${round}: text ${lis[i].textContent}`;
          const old = byId.get(rows[i].id);
          if (old && old !== lis[i]) return `round ${round}: node for ${rows[i].id} recreated`;
          lis[i].__id = rows[i].id;
        }
      }
      return null;
    });
    assert.equal(bad, null);

    // unkeyed: reuse by index
    assert.deepEqual(await texts(page, '.unkeyed span'), ['x', 'y']);
    await page.evaluate(() => { window.__first = document.querySelector('.unkeyed span'); window.__each.setNames(['p', 'q', 'r', 's']); });
    await flush(page);
    assert.deepEqual(await texts(page, '.unkeyed span'), ['p', 'q', 'r', 's']);
    assert.ok(await page.evaluate(() => document.querySelector('.unkeyed span') === window.__first));
    await page.evaluate(() => window.__each.setNames(new Set(['only'])));
    await flush(page);
    assert.deepEqual(await texts(page, '.unkeyed span'), ['only']);
    assert.ok(await page.evaluate(() => document.querySelector('.unkeyed span') === window.__first));
    await page.evaluate(() => window.__each.setNames([]));
    await flush(page);
    assert.equal(await page.$$eval('.unkeyed span', (e) => e.length), 0);
    assertNoErrors(errors);
  });
});

test('await shows pending, then, catch and ignores superseded promises', async () => {
  await scenario('await', async (page, errors) => {
    assert.equal(await text(page, '.await'), 'loading');
    await page.evaluate(async () => {
      const deferred = () => { let resolve; const promise = new Promise((r) => { resolve = r; }); return { promise, resolve }; };
      window.__slow = deferred();
      window.__fast = deferred();
      window.__await.set(window.__slow.promise);
      await window.rt.tick();
      window.__await.set(window.__fast.promise);
    });
    await flush(page);
    assert.equal(await text(page, '.await'), 'loading');
    await page.evaluate(() => window.__fast.resolve('fast'));
    await page.waitForSelector('.then');
    assert.equal(await text(page, '.await'), 'got fast');
    await page.evaluate(async () => { window.__slow.resolve('slow'); await new Promise((r) => setTimeout(r, 20)); });
    assert.equal(await text(page, '.await'), 'got fast', 'the superseded promise is ignored');

    await page.evaluate(() => window.__await.set(Promise.reject(new Error('nope'))));
    await page.waitForSelector('.catch');
    assert.equal(await text(page, '.await'), 'failed: nope');

    await page.evaluate(() => window.__await.set(42)); // not a promise: straight to then
    await flush(page);
    assert.equal(await text(page, '.await'), 'got 42');
    assertNoErrors(errors);
  });
});

test('reactive statements run in dependency order, once per flush', async () => {
  await scenario('reactive', async (page, errors) => {
    assert.equal(await text(page, 'p'), '1 2 3');
    assert.deepEqual(await page.evaluate(() => window.__log), ['a=1 b=2 c=3']);
    await page.click('button');
    await flush(page);
    assert.equal(await text(page, 'p'), '2 4 5');
    assert.deepEqual(await page.evaluate(() => window.__log), ['a=1 b=2 c=3', 'a=2 b=4 c=5']);
    assertNoErrors(errors);
  });
});

test('props, $set, $on and createEventDispatcher', async () => {
  await scenario('props', async (page, errors) => {
    assert.equal(await text(page, '.child'), 'Hello Ann (1) ping');
    await page.evaluate(() => {
      window.__relayed = [];
      window.__off = window.app.$on('relay', (e) => window.__relayed.push({ type: e.type, detail: e.detail, custom: e instanceof CustomEvent }));
    });
    await page.evaluate(() => window.app.$set({ who: 'Bob' }));
    await flush(page);
    assert.equal(await text(page, '.child'), 'Hello Bob (1) ping');
    await page.click('button.more');
    await flush(page);
    assert.equal(await text(page, '.child'), 'Hello Bob (2) ping');
    await page.click('button.ping');
    await flush(page);
    assert.equal(await text(page, 'output'), '1');
    assert.deepEqual(await page.evaluate(() => window.__relayed),
      [{ type: 'relay', detail: { name: 'Bob', count: 2 }, custom: true }]);
    await page.evaluate(() => window.__off());
    await page.click('button.ping');
    await flush(page);
    assert.equal(await text(page, 'output'), '2');
    assert.equal(await page.evaluate(() => window.__relayed.length), 1, 'unsubscribed handler is not called');
    // the child instance is returned by mount_component and has the instance API
    assert.equal(await page.evaluate(() => typeof window.__child().$set), 'function');
    assertNoErrors(errors);
  });
});

test('bind:value / bind:checked and component bind:prop', async () => {
  await scenario('bind', async (page, errors) => {
    assert.equal(await text(page, '.out'), 'Ann|number:30|false|green');
    assert.equal(await page.inputValue('.color'), 'green');
    await page.fill('.name', 'Zoe');
    await flush(page);
    assert.equal(await text(page, '.out'), 'Zoe|number:30|false|green');
    await page.fill('.age', '41');
    await flush(page);
    assert.equal(await text(page, '.out'), 'Zoe|number:41|false|green');
    await page.check('.agree');
    await flush(page);
    assert.equal(await text(page, '.out'), 'Zoe|number:41|true|green');
    await page.selectOption('.color', 'blue');
    await flush(page);
    assert.equal(await text(page, '.out'), 'Zoe|number:41|true|blue');
    // state -> DOM
    await page.evaluate(() => { window.__bind.setName('Max'); window.__bind.setColor('red'); });
    await flush(page);
    assert.equal(await page.inputValue('.name'), 'Max');
    assert.equal(await page.inputValue('.color'), 'red');
    // member binding inside each
    assert.equal(await text(page, '.done'), '1 done');
    await page.check('ul li:first-child input');
    await flush(page);
    assert.equal(await text(page, '.done'), '2 done');
    assert.deepEqual(await page.evaluate(() => window.__bind.state().todos.map((t) => t.done)), [true, true]);
    // component bind: the child's default flows up, then both directions
    assert.equal(await text(page, '.shown'), 'false');
    assert.equal(await text(page, '.toggle'), 'hidden');
    await page.click('.toggle');
    await flush(page);
    assert.equal(await text(page, '.toggle'), 'shown');
    assert.equal(await text(page, '.shown'), 'true');
    await page.evaluate(() => window.__bind.hide());
    await flush(page);
    assert.equal(await text(page, '.toggle'), 'hidden');
    assert.equal(await text(page, '.shown'), 'false');
    assertNoErrors(errors);
  });
});

test('default, named and fallback slots; slot props; slot content follows the parent', async () => {
  await scenario('slots', async (page, errors) => {
    const [card, bare] = await page.$$('.card');
    const q = (h, sel) => h.$eval(sel, (e) => e.textContent);
    assert.equal(await q(card, 'header'), 'Hello');
    assert.equal(await q(card, '.body'), 'body 0');
    assert.equal(await q(card, 'footer'), 'default footer');
    assert.deepEqual(await card.$$eval('li', (els) => els.map((e) => e.innerHTML.replace(/<!---->/g, ''))), ['<b>A</b>', '<b>B</b>']);
    assert.equal(await q(card, 'aside'), 'extra 0');
    assert.equal(await q(bare, 'header'), 'Untitled');
    assert.equal(await q(bare, '.body'), '');
    assert.equal(await page.$$eval('i', (e) => e.length), 0, 'a slot the child lacks is ignored');

    await page.evaluate(() => { window.__slots.setTitle('Bye'); window.__slots.inc(); });
    await flush(page);
    assert.equal(await q(card, 'header'), 'Bye');
    assert.equal(await q(card, '.body'), 'body 1');
    assert.equal(await q(card, 'aside'), 'extra 1');

    await page.evaluate(() => { window.__b = document.querySelector('.card li b'); window.__slots.setList(['x', 'y', 'z']); });
    await flush(page);
    assert.deepEqual(await card.$$eval('li', (els) => els.map((e) => e.textContent)), ['X', 'Y', 'Z']);
    assert.ok(await page.evaluate(() => document.querySelector('.card li b') === window.__b), 'slot re-assigned in place');

    // closing the child's {#if} destroys the slot content; later parent updates skip it
    await page.evaluate(() => window.__slots.setOpen(false));
    await flush(page);
    assert.equal(await card.$$eval('aside', (e) => e.length), 0);
    const tracked = await page.evaluate(() => window.__tracked);
    await page.evaluate(() => window.__slots.inc());
    await flush(page);
    assert.equal(await page.evaluate(() => window.__tracked), tracked);
    assert.equal(await q(card, '.body'), 'body 2');
    await page.evaluate(() => window.__slots.setOpen(true));
    await flush(page);
    assert.equal(await q(card, 'aside'), 'extra 2');
    assertNoErrors(errors);
  });
});

test('forwarded slot with a component inside follows the outer parent', async () => {
  await scenario('forward', async (page, errors) => {
    const inner = () => page.evaluate(() => document.querySelector('.wrapper .inner').innerHTML.replace(/<!---->/g, ''));
    assert.equal(await inner(), '<span class="badge">inner#0</span><b class="count">0</b>');
    assert.deepEqual(await page.evaluate(() => window.__badges), ['mount']);
    await page.evaluate(() => window.__fwd.inc());
    await flush(page);
    assert.equal(await inner(), '<span class="badge">inner#1</span><b class="count">1</b>');
    await page.evaluate(() => window.__fwd.setOpen(false));
    await flush(page);
    assert.equal(await inner(), '');
    assert.deepEqual(await page.evaluate(() => window.__badges), ['mount', 'destroy']);
    await page.evaluate(() => window.__fwd.inc());
    await flush(page);
    await page.evaluate(() => window.__fwd.setOpen(true));
    await flush(page);
    assert.equal(await inner(), '<span class="badge">inner#2</span><b class="count">2</b>');
    await page.evaluate(() => window.__fwd.inc());
    await flush(page);
    assert.equal(await inner(), '<span class="badge">inner#3</span><b class="count">3</b>');
    assert.deepEqual(await page.evaluate(() => window.__badges), ['mount', 'destroy', 'mount']);
    assertNoErrors(errors);
  });
});

test('onMount with cleanup, onDestroy, before/afterUpdate, tick and context', async () => {
  await scenario('lifecycle', async (page, errors) => {
    // Svelte order: beforeUpdate also runs before the first render; children mount first;
    // a top-level component has mounted by the time its constructor returns.
    assert.deepEqual(await page.evaluate(() => window.__log),
      ['before app', 'mount a', 'mount b', 'mount app', 'after app', 'constructed']);
    assert.deepEqual(await texts(page, '.child'), ['a:dark', 'b:dark']);
    await page.evaluate(() => { window.__log.length = 0; window.__life.toggle(); });
    await flush(page);
    assert.deepEqual(await page.evaluate(() => window.__log), ['before app', 'destroy a', 'cleanup a', 'after app']);
    assert.deepEqual(await texts(page, '.child'), ['b:dark']);
    await page.evaluate(() => { window.__log.length = 0; window.__life.toggle(); });
    await flush(page);
    assert.deepEqual(await page.evaluate(() => window.__log), ['before app', 'mount a', 'after app']);
    assert.deepEqual(await texts(page, '.child'), ['a:dark', 'b:dark']);

    await page.evaluate(() => window.__life.bumpAndRead());
    assert.equal(await page.evaluate(() => window.__seen), '1', 'tick resolves after the DOM is updated');

    await page.evaluate(() => { window.__log.length = 0; window.app.$destroy(); });
    const log = await page.evaluate(() => window.__log);
    assert.deepEqual(log.slice().sort(), ['cleanup a', 'cleanup app', 'cleanup b', 'destroy a', 'destroy app', 'destroy b'].sort());
    assert.equal(log.indexOf('destroy app') < log.indexOf('destroy a'), true, 'parent first, as in Svelte');
    assert.equal(await page.evaluate(() => document.getElementById('app').childNodes.length), 0);
    assertNoErrors(errors);
  });
});

test('writable / derived / createStore / createSignal with subscription cleanup', async () => {
  await scenario('stores', async (page, errors) => {
    assert.equal(await text(page, '.vals'), '1 2 0');
    assert.equal(await page.evaluate(() => window.__starts), 1);
    await page.evaluate(() => window.__stores.count.update((n) => n + 4));
    await flush(page);
    assert.equal(await text(page, '.vals'), '5 10 0');
    await page.evaluate(() => window.__stores.tally.set(-3));
    await flush(page);
    assert.equal(await text(page, '.vals'), '5 10 0', 'middleware clamps');
    await page.evaluate(() => window.__stores.tally.update((n) => n + 7));
    await flush(page);
    assert.equal(await text(page, '.vals'), '5 10 7');
    assert.equal(await page.evaluate(() => localStorage.getItem('tally')), '7');

    assert.equal(await text(page, '.mode'), 'A');
    await page.evaluate(() => window.__stores.setMode('b'));
    await flush(page);
    assert.equal(await text(page, '.mode'), 'b');
    await page.evaluate(() => window.__stores.setMode((m) => m + 'c'));
    await flush(page);
    assert.equal(await text(page, '.mode'), 'bc');

    // the store API on its own: derived over several stores, derived with set, get()
    const unit = await page.evaluate(() => {
      const { writable, readable, derived, get } = window.rt;
      const a = writable(1);
      const b = writable(10);
      const seen = [];
      const sum = derived([a, b], ([x, y]) => x + y);
      const stop = sum.subscribe((v) => seen.push(v));
      a.set(2);
      b.set(20);
      stop();
      const lagged = derived(a, (x, set) => { set(x * 100); });
      const r = readable(7);
      return { seen, lagged: get(lagged), r: get(r), sum: get(sum) };
    });
    assert.deepEqual(unit, { seen: [11, 12, 22], lagged: 200, r: 7, sum: 22 });
    // a diamond notifies once per change (no glitch)
    const diamond = await page.evaluate(() => {
      const { writable, derived } = window.rt;
      const s = writable(1);
      const l = derived(s, (x) => x + 1);
      const r = derived(s, (x) => x * 2);
      const both = derived([l, r], ([x, y]) => `${x}/${y}`);
      const seen = [];
      const off = both.subscribe((v) => seen.push(v));
      s.set(2);
      off();
      return seen;
    });
    assert.deepEqual(diamond, ['2/2', '3/4']);

    await page.evaluate(() => window.app.$destroy());
    assert.equal(await page.evaluate(() => window.__stops), 1, 'unsubscribed on destroy');

    // persisted value survives a reload
    await page.reload();
    await page.waitForFunction(() => window.__ready === true);
    assert.equal(await text(page, '.vals'), '1 2 7');
    assertNoErrors(errors);
  });
});

test('{@html} replaces raw nodes between markers; safe_url', async () => {
  await scenario('html', async (page, errors) => {
    const raw = () => page.evaluate(() => document.querySelector('.raw').innerHTML.replace(/<!---->/g, ''));
    assert.equal(await raw(), '<span class="before">before</span><b>bold</b> and <i>italic</i><span class="after">after</span>');
    assert.equal(await text(page, '.escaped'), '<b>bold</b> and <i>italic</i>');
    await page.evaluate(() => window.__html.setMarkup('<u>under</u><img src=x onerror="window.__pwned=1">'));
    await flush(page);
    assert.match(await raw(), /^<span class="before">before<\/span><u>under<\/u><img src="x"[^>]*><span class="after">after<\/span>$/);
    await page.evaluate(() => window.__html.setMarkup(null));
    await flush(page);
    assert.equal(await raw(), '<span class="before">before</span><span class="after">after</span>');

    assert.equal(await page.getAttribute('.link', 'href'), 'https://example.com/');
    await page.evaluate(() => window.__html.setUrl('javascript:alert(1)'));
    await flush(page);
    assert.equal(await page.getAttribute('.link', 'href'), 'unsafe:javascript:alert(1)');
    const cases = await page.evaluate(() => {
      const { safe_url } = window.rt;
      return [
        'https://ok.test/a', '/rel?x=1', 'mailto:a@b.c', ' JaVa\tScRipt:alert(1)', '\u0001javascript:x',
        'java\nscript:x', 'vbscript:msgbox', 'data:text/html,<script>x</script>', 'DATA:image/png;base64,AA==',
        'data:image/svg+xml,<svg/>',
      ].map(safe_url).concat([safe_url(null), safe_url(undefined)]);
    });
    assert.deepEqual(cases, [
      'https://ok.test/a', '/rel?x=1', 'mailto:a@b.c', 'unsafe: JaVa\tScRipt:alert(1)', 'unsafe:\u0001javascript:x',
      'unsafe:java\nscript:x', 'unsafe:vbscript:msgbox', 'unsafe:data:text/html,<script>x</script>',
      'DATA:image/png;base64,AA==', 'data:image/svg+xml,<svg/>', null, undefined,
    ]);
    assertNoErrors(errors.filter((e) => !/Failed to load resource/.test(e))); // <img src=x> 404s
  });
});

test('attribute helpers: attr, set_class with toggles, set_style, spread', async () => {
  await scenario('html', async (page, errors) => {
    const r = await page.evaluate(() => {
      const { attr, set_class, toggle_class, set_style, spread, element, svg_element, set_text, text } = window.rt;
      const el = element('div', 'egh-s');
      const out = {};
      attr(el, 'title', 'x'); out.title = el.getAttribute('title');
      attr(el, 'hidden', true); out.hidden = el.getAttribute('hidden');
      attr(el, 'hidden', false); out.hidden2 = el.hasAttribute('hidden');
      attr(el, 'title', null); out.title2 = el.hasAttribute('title');
      toggle_class(el, 'on', true);
      set_class(el, 'a b', 'egh-s'); out.cls = el.className;
      toggle_class(el, 'on', false); out.cls2 = el.className;
      set_style(el, 'backgroundColor', 'red'); set_style(el, '--gap', '4px'); out.style = el.getAttribute('style');
      set_style(el, 'backgroundColor', null); out.style2 = el.getAttribute('style');
      spread(el, { id: 'z', class: 'k', 'data-x': 1 }, 'egh-s'); out.spread = [el.id, el.className, el.dataset.x];
      spread(el, { class: 'k' }, 'egh-s'); out.spread2 = [el.hasAttribute('id'), el.hasAttribute('data-x')];
      const svg = svg_element('circle', 'egh-s'); out.svg = [svg.namespaceURI, svg.getAttribute('class')];
      const t = text(null); out.empty = t.data;
      set_text(t, 0); out.zero = t.data;
      return out;
    });
    assert.deepEqual(r, {
      title: 'x', hidden: '', hidden2: false, title2: false, cls: 'a b egh-s on', cls2: 'a b egh-s',
      style: 'background-color: red; --gap: 4px;', style2: '--gap: 4px;', spread: ['z', 'k egh-s', '1'],
      spread2: [false, false], svg: ['http://www.w3.org/2000/svg', 'egh-s'], empty: '', zero: '0',
    });
    assertNoErrors(errors);
  });
});

test('attribute safety: names in any case, URL lists and srcset candidates, refused names, bad spread keys', async () => {
  await scenario('html', async (page, errors) => {
    const r = await page.evaluate(() => {
      const { attr, prop, spread, element, svg_element } = window.rt;
      const out = {};
      const a = element('a', null);
      attr(a, 'HREF', 'JavaScript:x'); out.upper = a.getAttribute('href');
      attr(a, 'href', 'https://ok.test/'); out.ok = a.getAttribute('href');
      attr(a, 'Ping', '/a  javascript:x\t/b'); out.ping = a.getAttribute('ping');
      attr(a, 'OnClick', 'window.__pwned = 1'); out.onclick = a.hasAttribute('onclick');
      const img = element('img', null);
      // A data: URL holds commas; descriptors may hold parentheses.
      attr(img, 'srcSet', 'data:image/png;base64,AA== 1x,javascript:x 2x, /c.png (x,y) 3x,,vbscript:y');
      out.srcset = img.getAttribute('srcset');
      // Linear in the value's length: commas inside a URL are no separators.
      const source = element('source', null); // loads nothing
      attr(source, 'srcset', 'a' + ','.repeat(200000) + 'b 1x'); out.long = source.getAttribute('srcset').length;
      const frame = element('iframe', null);
      attr(frame, 'SRCDOC', '<script>parent.__pwned = 1</script>'); out.srcdoc = frame.hasAttribute('srcdoc');
      attr(frame, 'src', 'data:text/html,<b>x</b>'); out.frame = frame.getAttribute('src');
      prop(a, 'href', 'javascript:x'); out.prop = a.getAttribute('href');
      const script = element('script', null);
      spread(script, { src: 'https://ok.test/x.js', type: 'module' }, null); out.script = script.attributes.length;
      const div = element('div', null);
      prop(div, 'innerHTML', '<img src=x onerror="window.__pwned = 1">'); out.inner = div.innerHTML;
      const set = svg_element('set', null);
      attr(set, 'values', 'https://ok.test/;javascript:x'); out.values = set.getAttribute('values');
      const other = element('div', null);
      attr(other, 'values', 'javascript:x'); out.plain = other.getAttribute('values');
      spread(div, { 'a b': 1, Class: 'k', title: 't', '': 2, ONERROR: 'x' }, 'egh-s');
      out.spread = [div.className, div.getAttribute('title'), div.hasAttribute('onerror')];
      spread(div, {}, 'egh-s'); out.cleared = [div.className, div.hasAttribute('title')];
      return out;
    });
    assert.deepEqual(r, {
      upper: 'unsafe:JavaScript:x', ok: 'https://ok.test/', ping: '/a  unsafe:javascript:x\t/b', onclick: false,
      srcset: 'data:image/png;base64,AA== 1x,unsafe:javascript:x 2x, /c.png (x,y) 3x,,unsafe:vbscript:y',
      long: 200005, srcdoc: false, frame: 'unsafe:data:text/html,<b>x</b>', prop: 'unsafe:javascript:x', script: 0, inner: '',
      values: 'https://ok.test/;unsafe:javascript:x', plain: 'javascript:x',
      spread: ['k egh-s', 't', false], cleared: ['egh-s', false],
    });
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assertNoErrors(errors);
  });
});

test('event modifiers: prevent, stop, once, self, capture, key filters', async () => {
  await scenario('modifiers', async (page, errors) => {
    const log = () => page.evaluate(() => window.__mods);
    await page.click('.submit');
    await flush(page);
    assert.deepEqual(await log(), ['submit']);
    assert.equal(new URL(page.url()).pathname, '/modifiers/index.html', 'no navigation after prevent');
    await page.click('.stop');
    await page.click('.plain');
    await flush(page);
    assert.deepEqual((await log()).slice(1), ['stop', 'plain', 'outer']);
    await page.click('.once');
    await page.click('.once');
    await page.click('.inner');
    await page.click('.self', { position: { x: 200, y: 5 } });
    await flush(page);
    assert.deepEqual((await log()).slice(4), ['once', 'self']);
    await page.focus('.keys');
    await page.keyboard.press('a');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await page.focus('.del');
    await page.keyboard.press('x');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Delete');
    await page.click('.capbtn');
    await page.click('.nav');
    await flush(page);
    assert.deepEqual((await log()).slice(6), ['enter', 'escape', 'delete', 'delete', 'capture-outer', 'capture-inner']);
    assert.equal(await page.evaluate(() => location.hash), '', 'handler-less .prevent still prevents');
    // listeners go away with the block
    await page.evaluate(() => { window.__btn = document.querySelector('.plain'); window.app.$destroy(); window.__btn.click(); });
    assert.equal((await log()).length, 12);
    assertNoErrors(errors);
  });
});

test('a failing component does not break its siblings', async () => {
  await scenario('errors', async (page, errors) => {
    assert.equal(await text(page, '.good'), 'good 0');
    assert.equal(await text(page, '.broken'), 'ok');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /Broken.*boom at init/s);
    await page.evaluate(() => { window.__errors.breakIt(); window.__errors.inc(); });
    await flush(page);
    assert.equal(await text(page, '.good'), 'good 1');
    await page.evaluate(() => window.__errors.inc());
    await flush(page);
    assert.equal(await text(page, '.good'), 'good 2');
    assert.equal(errors.length, 2);
    assert.match(errors[1], /Broken.*boom at update/s);
  });
});

test('an infinite update loop stops with a clear error', async () => {
  await scenario('loop', async (page, errors) => {
    const msg = await page.evaluate(async () => {
      window.__loop.start();
      try {
        await window.rt.tick();
        return 'no error';
      } catch (e) {
        return e.message;
      }
    });
    assert.match(msg, /infinite update loop in <Looper>/);
    // the runtime recovers: later updates still flush
    await page.evaluate(async () => { window.__loop.start(); await window.rt.tick().catch(() => {}); });
    assert.match(await text(page, '.n'), /^\d+$/);
    assert.ok(errors.every((e) => /infinite update loop/.test(e)), errors.join('\n'));
  });
});
