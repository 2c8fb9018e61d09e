// End-to-end test of the example app (examples/app): compile it with the eghact binary, serve it,
// and drive it in headless Chromium the way a user would. With EGHACT_BROWSER_MODE=bundle (set by
// app.bundle.test.mjs) the same tests run on the production bundle (`eghact build --release`). Each test covers one component area and
// ends by checking that the page logged no errors, so one broken feature does not hide the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { assertNoErrors, buildProject, closeBrowser, eghactBinary, openPage, repoRoot, eventually } from './harness.mjs';

const appDir = path.join(repoRoot, 'examples/app');
const distEntry = path.join(appDir, 'dist/App.js');
const bundled = process.env.EGHACT_BROWSER_MODE === 'bundle';
/** Where the bundle goes, outside the example (the per-module tests serve its dist/ meanwhile). */
const bundleDir = bundled ? path.join(mkdtempSync(path.join(os.tmpdir(), 'eghact-app-bundle-')), 'dist') : null;

// ---------------------------------------------------------------------------------------------
// Build

/**
 * Compiles examples/app into examples/app/dist and returns the build report (`--json`), or null
 * when nothing was built. The built binary ($EGHACT_BIN or target/debug/eghact) is fast and
 * leaves unchanged outputs alone, so it runs every time and the test never sees a stale dist/;
 * without a binary, an existing dist/ is used as it is and a missing one is built through cargo
 * (slow). EGHACT_SKIP_BUILD=1 serves dist/ as it is.
 */
function ensureBuilt() {
  if (bundled) {
    const report = buildProject('examples/app', bundleDir, ['--release']);
    assert.ok(existsSync(path.join(bundleDir, 'index.html')), 'the bundle has its page');
    return report;
  }
  if (process.env.EGHACT_SKIP_BUILD === '1') return null;
  if (!eghactBinary() && existsSync(distEntry)) return null;
  const report = buildProject('examples/app');
  assert.ok(existsSync(distEntry), `the build did not produce ${path.relative(repoRoot, distEntry)}`);
  return report;
}

// ---------------------------------------------------------------------------------------------
// Page helpers

let buildReport;
let page;
let closePage;
/** Console errors and uncaught exceptions not yet reported by a test (filled by the harness). */
let errors = [];

const byTestId = (id) => page.locator(`[data-testid="${id}"]`);

const squash = (s) => s.replace(/\s+/g, ' ').trim();

/** The visible text of one element, with whitespace collapsed as a reader sees it. */
async function text(id) {
  return squash(await byTestId(id).innerText());
}


async function expectText(id, expected) {
  await eventually(async () => assert.equal(await text(id), expected, `text of [data-testid="${id}"]`));
}

async function expectCount(id, expected) {
  await eventually(async () => assert.equal(await byTestId(id).count(), expected, `number of [data-testid="${id}"]`));
}

async function classesOf(locator) {
  return (await locator.getAttribute('class'))?.split(/\s+/).filter(Boolean) ?? [];
}

async function expectClass(locator, cls, present = true) {
  await eventually(async () =>
    assert.equal((await classesOf(locator)).includes(cls), present, `class "${cls}" ${present ? 'missing' : 'unexpected'}`),
  );
}

async function computed(locator, property) {
  return locator.evaluate((el, prop) => getComputedStyle(el).getPropertyValue(prop), property);
}

/** Texts of the todo rows currently shown, sorted, so the assertions do not depend on order. */
async function visibleTodos() {
  const texts = await byTestId('todo-text').allInnerTexts();
  return texts.map(squash).sort();
}

function todoRow(label) {
  return byTestId('todo-item').filter({ has: page.locator('[data-testid="todo-text"]', { hasText: label }) });
}

/** Fails on errors the page reported since the previous call. */
function assertNoNewErrors() {
  assertNoErrors(errors.splice(0));
}

// ---------------------------------------------------------------------------------------------
// Setup

before(async () => {
  buildReport = ensureBuilt();
  ({ page, errors, close: closePage } = await openPage(bundled ? bundleDir : appDir, '/index.html'));
  page.setDefaultTimeout(5000);
  await page.setViewportSize({ width: 1024, height: 900 });
  await byTestId('app').waitFor();
  // Component stylesheets are linked by the runtime at mount; let them load before reading styles.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('link[rel="stylesheet"]')].every((link) => link.sheet !== null),
  );
});

after(async () => {
  await closePage?.();
  await closeBrowser();
  if (bundleDir) rmSync(path.dirname(bundleDir), { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Tests

test('the example compiles without diagnostics', (t) => {
  if (!buildReport) return t.skip('not built by this run');
  // Realistic, valid code: the checker must not report anything (no false positives).
  assert.deepEqual(buildReport.diagnostics ?? buildReport, [], 'eghact build reported diagnostics');
});

test('the app mounts with every component', async () => {
  await expectText('app-title', 'Eghact playground');
  for (const id of ['todos', 'counter', 'signup', 'cart-badge', 'cart-add', 'help-open']) {
    assert.equal(await byTestId(id).count(), 1, `[data-testid="${id}"] is rendered once`);
  }
  // Nothing inside a closed modal is rendered.
  await expectCount('help-modal', 0);
  await expectCount('welcome-modal', 0);
  assertNoNewErrors();
});

test('styles are scoped per component, with :global and @media rules', async () => {
  const scopeOf = async (locator) => (await classesOf(locator)).filter((c) => /^egh-[\w-]+$/.test(c));

  const todoScope = await scopeOf(byTestId('todos'));
  assert.equal(todoScope.length, 1, `TodoList root has one egh- scope class, got ${JSON.stringify(todoScope)}`);
  // Every element of a component carries the same scope class, not only the root.
  assert.deepEqual(await scopeOf(byTestId('todo-input')), todoScope);
  const counterScope = await scopeOf(byTestId('counter'));
  assert.equal(counterScope.length, 1);
  assert.notEqual(counterScope[0], todoScope[0], 'two components get different scope classes');

  // Counter styles its own <h2> and <p>; TodoList's <h2> and SignupForm's <p> stay untouched.
  assert.equal(await computed(byTestId('counter').locator('h2'), 'color'), 'rgb(124, 58, 237)');
  assert.notEqual(await computed(byTestId('todos').locator('h2'), 'color'), 'rgb(124, 58, 237)');
  assert.equal(await computed(byTestId('counter-derived'), 'font-style'), 'italic');
  assert.equal(await computed(byTestId('signup-status'), 'font-style'), 'normal');

  // :global(body) reaches outside the component.
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).marginTop), '0px');

  // The @media rule is scoped too and switches the grid to one column on narrow screens.
  const columns = async () => (await computed(byTestId('grid'), 'grid-template-columns')).trim().split(/\s+/).length;
  assert.equal(await columns(), 2, 'two columns at 1024px');
  await page.setViewportSize({ width: 500, height: 900 });
  await eventually(async () => assert.equal(await columns(), 1, 'one column at 500px'));
  await page.setViewportSize({ width: 1024, height: 900 });
  await eventually(async () => assert.equal(await columns(), 2));
  assertNoNewErrors();
});

test('todo list: add, toggle, filter and remove', async () => {
  await expectText('todo-empty', 'Nothing to do yet');
  await expectText('todo-remaining', '0 items left');

  const input = byTestId('todo-input');
  // Enter in the input submits the form; @submit.prevent keeps the page where it is.
  await input.fill('Buy milk');
  await input.press('Enter');
  await expectCount('todo-item', 1);
  await eventually(async () => assert.equal(await input.inputValue(), '', 'the input is cleared through bind:value'));
  await expectCount('todo-empty', 0);
  await expectText('todo-remaining', '1 item left');

  await input.fill('Write tests');
  await byTestId('todo-add').click();
  await expectCount('todo-item', 2);

  await input.fill('Walk the dog');
  await input.press('Enter');
  await expectCount('todo-item', 3);
  // Blank input adds nothing.
  await input.fill('   ');
  await input.press('Enter');
  await expectCount('todo-item', 3);
  assert.deepEqual(await visibleTodos(), ['Buy milk', 'Walk the dog', 'Write tests']);
  await expectText('todo-remaining', '3 items left');
  assert.equal(new URL(page.url()).pathname, '/index.html', 'submitting did not navigate');

  // Toggle one todo through bind:checked={todo.done}.
  await todoRow('Write tests').locator('[data-testid="todo-toggle"]').check();
  await expectText('todo-remaining', '2 items left');
  await expectClass(todoRow('Write tests'), 'done');
  await expectClass(todoRow('Buy milk'), 'done', false);
  assert.equal(
    await computed(todoRow('Write tests').locator('[data-testid="todo-text"]'), 'text-decoration-line'),
    'line-through',
  );

  // Filters.
  await expectClass(byTestId('filter-all'), 'active');
  await byTestId('filter-active').click();
  await expectClass(byTestId('filter-active'), 'active');
  await expectClass(byTestId('filter-all'), 'active', false);
  assert.equal(await computed(byTestId('filter-active'), 'background-color'), 'rgb(37, 99, 235)');
  assert.notEqual(await computed(byTestId('filter-all'), 'background-color'), 'rgb(37, 99, 235)');
  await eventually(async () => assert.deepEqual(await visibleTodos(), ['Buy milk', 'Walk the dog']));

  await byTestId('filter-done').click();
  await eventually(async () => assert.deepEqual(await visibleTodos(), ['Write tests']));
  assert.equal(await todoRow('Write tests').locator('[data-testid="todo-toggle"]').isChecked(), true);

  // Unchecking in the "done" view moves the todo out of the view.
  // (A click, not uncheck(): the checkbox leaves the DOM as soon as it changes.)
  await todoRow('Write tests').locator('[data-testid="todo-toggle"]').click();
  await expectText('todo-empty', 'No done todos');
  await expectText('todo-remaining', '3 items left');

  await byTestId('filter-all').click();
  await eventually(async () => assert.deepEqual(await visibleTodos(), ['Buy milk', 'Walk the dog', 'Write tests']));
  await todoRow('Write tests').locator('[data-testid="todo-toggle"]').check();
  await expectText('todo-remaining', '2 items left');

  // Remove one. The list is keyed by id, so the other rows keep their DOM nodes.
  await todoRow('Walk the dog').evaluate((el) => {
    el.dataset.marker = 'kept';
  });
  await todoRow('Buy milk').locator('[data-testid="todo-remove"]').click();
  await expectCount('todo-item', 2);
  assert.deepEqual(await visibleTodos(), ['Walk the dog', 'Write tests']);
  assert.equal(await todoRow('Walk the dog').getAttribute('data-marker'), 'kept', 'keyed row was reused');
  assert.equal(await todoRow('Write tests').locator('[data-testid="todo-toggle"]').isChecked(), true);
  await expectText('todo-remaining', '1 item left');

  await byTestId('filter-active').click();
  await eventually(async () => assert.deepEqual(await visibleTodos(), ['Walk the dog']));
  await todoRow('Walk the dog').locator('[data-testid="todo-remove"]').click();
  await expectText('todo-empty', 'No active todos');
  await expectText('todo-remaining', '0 items left');
  await byTestId('filter-all').click();
  await eventually(async () => assert.deepEqual(await visibleTodos(), ['Write tests']));
  assertNoNewErrors();
});

test('counter: step prop, statement handler and derived values', async () => {
  await expectText('counter-value', '0');
  await expectText('counter-derived', '0 × 2 = 0 (even, zero)');
  await expectText('counter-inc', '+2');
  assert.equal(await byTestId('counter-reset').isDisabled(), true);

  await byTestId('counter-inc').click();
  await expectText('counter-value', '2');
  await expectText('counter-derived', '2 × 2 = 4 (even, positive)');
  assert.equal(await byTestId('counter-reset').isDisabled(), false);

  await byTestId('counter-dec').click();
  await expectText('counter-value', '1');
  await expectText('counter-derived', '1 × 2 = 2 (odd, positive)');

  await byTestId('counter-dec').click();
  await byTestId('counter-dec').click();
  await expectText('counter-value', '-1');
  await expectText('counter-derived', '-1 × 2 = -2 (odd, negative)');
  await expectClass(byTestId('counter-value'), 'negative');
  assert.equal(await computed(byTestId('counter-value'), 'color'), 'rgb(200, 30, 30)');

  await byTestId('counter-reset').click();
  await expectText('counter-value', '0');
  await expectText('counter-derived', '0 × 2 = 0 (even, zero)');
  await expectClass(byTestId('counter-value'), 'negative', false);
  assert.equal(await byTestId('counter-reset').isDisabled(), true);
  assertNoNewErrors();
});

test('modal: slots, fallback footer, bind:open and the close event', async () => {
  await expectText('help-state', 'Help is closed; last closed by nobody');

  await byTestId('help-open').click();
  await expectCount('help-modal', 1);
  await expectText('help-state', 'Help is open; last closed by nobody');
  await expectText('help-title', 'How this page works');
  // Default slot content comes from App.
  await expectText('help-text', 'Every box on this page is an Eghact component.');
  // App gave no footer, so the fallback button shows.
  await expectText('help-ok', 'OK');
  // Focus moves to the close button after tick().
  await eventually(async () =>
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'help-close'),
  );

  // Close from inside: the modal sets `open = false` (bound back into App) and dispatches `close`.
  await byTestId('help-close').click();
  await expectCount('help-modal', 0);
  await expectText('help-state', 'Help is closed; last closed by modal');

  // Close from App's side: slot content changes App state, which flows into the modal's prop.
  await byTestId('help-open').click();
  await expectCount('help-modal', 1);
  await byTestId('help-dismiss').click();
  await expectCount('help-modal', 0);
  await expectText('help-state', 'Help is closed; last closed by app');

  // Escape (a key-filtered handler) and the fallback OK button also close it.
  await byTestId('help-open').click();
  await expectCount('help-modal', 1);
  await byTestId('help-close').focus();
  await page.keyboard.press('Escape');
  await expectCount('help-modal', 0);
  await expectText('help-state', 'Help is closed; last closed by modal');

  await byTestId('help-open').click();
  await byTestId('help-dismiss').click();
  await expectText('help-state', 'Help is closed; last closed by app');
  await byTestId('help-open').click();
  await byTestId('help-ok').click();
  await expectCount('help-modal', 0);
  await expectText('help-state', 'Help is closed; last closed by modal');

  // @click.self: a click inside the dialog bubbles to the backdrop but does not close it;
  // a click on the backdrop itself does.
  await byTestId('help-open').click();
  await byTestId('help-title').click();
  await expectCount('help-modal', 1);
  await byTestId('help-backdrop').click({ position: { x: 5, y: 5 } });
  await expectCount('help-modal', 0);
  await expectText('help-state', 'Help is closed; last closed by modal');
  assertNoNewErrors();
});

test('signup form: bindings, validation messages and submit', async () => {
  const submit = byTestId('signup-submit');
  await expectText('signup-status', 'Please enter your name.');
  assert.equal(await submit.isDisabled(), true);
  assert.equal(await computed(byTestId('signup-status'), 'color'), 'rgb(180, 83, 9)');

  await byTestId('signup-name').fill('Al');
  await expectText('signup-status', 'Name must be at least 3 characters.');
  await byTestId('signup-name').fill('Ada Lovelace');
  await expectText('signup-status', 'Enter a valid email address.');
  await byTestId('signup-email').fill('ada@example');
  await expectText('signup-status', 'Enter a valid email address.');
  await byTestId('signup-email').fill('ada@example.com');
  await expectText('signup-status', 'Choose a plan.');
  assert.equal(await submit.isDisabled(), true);

  // The select's options come from an {#each}; bind:value follows the choice.
  assert.deepEqual((await byTestId('signup-plan').locator('option').allInnerTexts()).map(squash), [
    'Choose a plan…',
    'Free',
    'Pro',
    'Team',
  ]);
  await byTestId('signup-plan').selectOption('pro');
  await expectText('signup-status', 'Accept the terms to continue.');
  assert.equal(await submit.isDisabled(), true);

  await byTestId('signup-newsletter').check();
  await byTestId('signup-terms').check();
  await expectText('signup-status', 'Looks good, Ada Lovelace!');
  await eventually(async () => assert.equal(await submit.isDisabled(), false, 'valid form enables submit'));
  await expectClass(byTestId('signup-status'), 'ok');
  assert.equal(await computed(byTestId('signup-status'), 'color'), 'rgb(21, 128, 61)');

  // Invalid again, then valid again.
  await byTestId('signup-terms').uncheck();
  await expectText('signup-status', 'Accept the terms to continue.');
  await eventually(async () => assert.equal(await submit.isDisabled(), true));
  await byTestId('signup-terms').check();
  await eventually(async () => assert.equal(await submit.isDisabled(), false));

  await submit.click();
  await expectText('signup-thanks', 'Thanks, Ada Lovelace!');
  assert.equal(new URL(page.url()).pathname, '/index.html', 'submitting did not navigate');

  // App receives the `signup` event and opens a second modal whose footer slot it fills.
  await expectCount('welcome-modal', 1);
  await expectText('welcome-title', 'Welcome aboard');
  await expectText('welcome-text', 'Hi Ada Lovelace, you are on the pro plan.');
  await expectText('welcome-note', 'Newsletter: yes');
  // The filled footer slot replaces the fallback OK button.
  await expectText('welcome-footer', 'Newsletter: yes');
  await expectCount('welcome-ok', 0);
  // Slotted content keeps the scope of the component that wrote it (App styles .welcome-footer).
  assert.equal(await computed(byTestId('welcome-note'), 'font-weight'), '600');
  await byTestId('welcome-close').click();
  await expectCount('welcome-modal', 0);
  assertNoNewErrors();
});

test('cart: a store shared by two components', async () => {
  const badge = byTestId('cart-badge');
  await expectText('cart-badge', '🛒 0 items');
  await expectText('cart-count', '0 in cart');
  await expectClass(badge, 'empty');
  assert.equal(await byTestId('cart-clear').isDisabled(), true);

  await byTestId('cart-add').click();
  await expectText('cart-badge', '🛒 1 item');
  await expectText('cart-count', '1 in cart');
  await expectClass(badge, 'empty', false);
  assert.equal(await computed(badge, 'background-color'), 'rgb(22, 163, 74)');

  await byTestId('cart-add').click();
  await expectText('cart-badge', '🛒 2 items');
  await expectText('cart-count', '2 in cart');

  await byTestId('cart-clear').click();
  await expectText('cart-badge', '🛒 0 items');
  await expectClass(badge, 'empty');
  assert.equal(await computed(badge, 'background-color'), 'rgb(156, 163, 175)');
  await eventually(async () => assert.equal(await byTestId('cart-clear').isDisabled(), true));
  assertNoNewErrors();
});
