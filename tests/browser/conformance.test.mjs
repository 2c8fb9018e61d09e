// The Svelte 3 conformance suite: one node:test test per folder under conformance/.
//
// A case is `src/App.egh` (and whatever else it needs under src/) plus `case.json`: the props
// it mounts with, the HTML expected after mounting, and steps (click, fill, check, press, set,
// eval), each followed by a flush of pending updates and, when it has `html`, a check. A case
// with `error` documents a Svelte feature that is a clear error here: the build must report that
// code. HTML is compared normalized (see `normalize`); any console or page error fails a case
// unless `consoleErrors` lists a substring of it. Folders whose names start with `_` (such as
// `_known/`, cases that fail because of a bug not fixed yet) are reported as skipped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeBrowser, eghactBinary, eventually, openPage, repoRoot } from './harness.mjs';

const CASES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'conformance');
/** How long an `html` check waits for the DOM to settle (promises of `{#await}`, timers). */
const SETTLE_MS = 2500;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-conformance-'));
after(async () => {
  await closeBrowser();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Case folders: `<name>` directly, and those under `_known/` (skipped). */
function caseFolders() {
  const folders = [];
  for (const entry of fs.readdirSync(CASES, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    if (entry.name === '_known') {
      for (const known of fs.readdirSync(path.join(CASES, '_known')).sort()) {
        folders.push({ name: `_known/${known}`, skip: 'known failure: see _known/' });
      }
    } else {
      folders.push({ name: entry.name, skip: entry.name.startsWith('_') ? 'folder starts with `_`' : false });
    }
  }
  return folders;
}

/** Runs `eghact build <dir> --json`; returns { ok, report, output }, never throws on a failed build. */
function build(dir) {
  const bin = eghactBinary();
  const [cmd, args] = bin ? [bin, ['build', dir, '--json']] : ['cargo', ['run', '-q', '--', 'build', dir, '--json']];
  let stdout;
  let ok = true;
  let output = '';
  try {
    stdout = execFileSync(cmd, args, { cwd: repoRoot, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    ok = false;
    stdout = err.stdout ?? '';
    output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
  let report = null;
  try {
    report = JSON.parse(stdout);
  } catch {
    // Not JSON: the build failed before it could report; `output` says why.
  }
  return { ok, report, output: output || stdout };
}

const codes = (report) => (report?.diagnostics ?? []).map((d) => `${d.severity ?? ''} ${d.code}: ${d.message}`);

/**
 * The comparison form of HTML: comments gone, scoping classes (`egh-<hex>`) removed from `class`
 * (an empty one dropped), whitespace runs as one space, none between tags, trimmed. Runs in the
 * page, so expected HTML is serialized by the same DOM as the actual.
 */
function normalizeInPage(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  const walker = document.createTreeWalker(template.content, NodeFilter.SHOW_COMMENT | NodeFilter.SHOW_ELEMENT);
  const comments = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.COMMENT_NODE) {
      comments.push(node);
    } else if (node.hasAttribute('class')) {
      const kept = node.getAttribute('class').split(/\s+/).filter((c) => c && !/^egh-[0-9a-f]+$/.test(c));
      if (kept.length) node.setAttribute('class', kept.join(' '));
      else node.removeAttribute('class');
    }
  }
  for (const comment of comments) comment.remove();
  return template.innerHTML.replace(/\s+/g, ' ').replace(/>\s+</g, '><').trim();
}

const actualHtml = (page) => page.evaluate((fn) => new Function(`return (${fn})`)()(document.getElementById('app').innerHTML), normalizeInPage.toString());
const expectedHtml = (page, html) => page.evaluate(([fn, h]) => new Function(`return (${fn})`)()(h), [normalizeInPage.toString(), html]);

const INDEX = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<div id="app"></div>
<script type="module">
  import * as rt from "./dist/eghact-runtime.js";
  import App from "./dist/App.js";
  window.rt = rt;
  window.app = new App({ target: document.getElementById("app"), props: window.__props });
  window.__ready = true;
</script>
`;

async function runStep(page, step) {
  if ('click' in step) await page.click(step.click);
  else if ('fill' in step) await page.fill(step.fill[0], step.fill[1]);
  else if ('check' in step) await page.check(step.check);
  else if ('press' in step) await page.press(step.press[0], step.press[1]);
  else if ('set' in step) await page.evaluate((props) => window.app.$set(props), step.set);
  else if ('eval' in step) await page.evaluate(step.eval);
  else if (!('html' in step)) throw new Error(`unknown step ${JSON.stringify(step)}`);
  await page.evaluate(() => window.rt.tick());
}

async function runCase(name) {
  const source = path.join(CASES, name);
  const spec = JSON.parse(fs.readFileSync(path.join(source, 'case.json'), 'utf8'));
  const dir = path.join(root, name.replaceAll('/', '__'));
  fs.cpSync(path.join(source, 'src'), path.join(dir, 'src'), { recursive: true });
  const { ok, report, output } = build(dir);

  if (spec.error) {
    const found = (report?.diagnostics ?? []).some((d) => d.code === spec.error);
    assert.ok(found || (!report && output.includes(spec.error)), `${name}: the build must report ${spec.error}; it reported:\n${codes(report).join('\n') || output}`);
    assert.ok(!ok, `${name}: the build reported ${spec.error} but succeeded`);
    return;
  }
  const errors = (report?.diagnostics ?? []).filter((d) => d.severity === 'error');
  assert.ok(ok && report && errors.length === 0, `${name}: the build failed:\n${codes(report).join('\n') || output}`);
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX.replace('<div id="app">', `<script>window.__props = ${JSON.stringify(spec.props ?? {})};</script>\n<div id="app">`));

  const { page, errors: pageErrors, close } = await openPage(root, `/${path.basename(dir)}/index.html`);
  const allowed = spec.consoleErrors ?? [];
  const checkErrors = (where) => {
    const unexpected = pageErrors.filter((e) => !allowed.some((s) => e.includes(s)));
    assert.deepEqual(unexpected, [], `${name}, ${where}: the page reported errors`);
  };
  try {
    try {
      await page.waitForFunction(() => window.__ready === true, null, { timeout: 5000 });
    } catch {
      checkErrors('mounting');
      assert.fail(`${name}: the app did not mount`);
    }
    await page.evaluate(() => window.rt.tick());
    const check = async (expected, where) => {
      const want = await expectedHtml(page, expected);
      let got;
      try {
        await eventually(async () => {
          got = await actualHtml(page);
          assert.equal(got, want);
        }, SETTLE_MS);
      } catch {
        assert.fail(`${name}, ${where}: HTML differs\n  expected: ${want}\n  actual:   ${got}`);
      }
    };
    if (spec.html !== undefined) await check(spec.html, 'after mounting');
    checkErrors('after mounting');
    for (const [index, step] of (spec.steps ?? []).entries()) {
      const where = `step ${index} ${JSON.stringify(step)}`;
      await runStep(page, step);
      if (step.html !== undefined) await check(step.html, where);
      checkErrors(where);
    }
  } finally {
    await close();
  }
}

for (const { name, skip } of caseFolders()) {
  test(name, { skip }, () => runCase(name));
}
