/*
 * eghact-runtime.js — the runtime that compiled Eghact (.egh) components import.
 * One self-contained ES module: no imports, no build step, modern browsers only.
 *
 * Compiled module shape (see the compiler's codegen for the producer side):
 *
 *   import * as $$ from "./eghact-runtime.js";
 *   export async function load(ctx) {...}         // a route's loader, kept at module level
 *   function $$instance($$self, $$props, $$invalidate) {
 *     ...user script; every assignment to a top-level `let` becomes $$invalidate("x", x = v)...
 *     $$self.set_prop = (name, value) => {...};  $$self.get_prop = (name) => {...};
 *     $$self.reactive([[deps, run], ...]);          // `$:` statements, topological order
 *     $$self.subscribe(store, (v) => $$invalidate("$store", $store = v));  // $$.route for `$route`
 *     $$self.subscribe(store, (v) => …, "store", () => store);  // a store held in a `let`, a prop
 *                                                 // or a `$:` name: subscribed again when it changes
 *     $$self.subscribe(get, () => $$invalidate("get", get));  // `let [get, set] = createSignal()`
 *     return ($$b) => { ...render the root block... };
 *   }
 *   export default $$.component($$instance, { name: "Counter", css: $$.css_beside(import.meta.url) });
 *
 * Styles. A component with styles names the stylesheet beside the module that holds it
 * (`Counter.js` → `Counter.css`): in a build that is its own, in a bundle the chunk's, which
 * holds the styles of every component in the chunk. `css` is null without styles.
 *
 * Blocks. A block is a DOM range between two empty text markers (`start`, `end`) plus the
 * effects, listeners and child blocks rendered into it. Render functions are
 * `($$b, ...args) => {}`; one that binds locals (each item, slot props, then value) sets
 * `$$b.assign = (...args) => {}` and `$$b.names = [...]`. When the runtime re-assigns a kept
 * block it calls `assign` and then updates the block with dirty ∪ names. Positions are
 * `(parentNode, anchor|null)`: `(el, null)` appends inside an element, `($$b.end.parentNode,
 * $$b.end)` places at the top level of a block.
 *
 * Exports
 *   component(instance, meta) -> class; new C({ target, anchor?, props? }); $set, $on, $destroy
 *   css_beside(module_url)                           the stylesheet beside a module
 *   element(tag, scope) svg_element(tag, scope) text(v) set_text(node, v) insert(block, node) str(v)
 *   effect(block, deps, fn)                          run now, re-run when deps are dirty
 *   attr(el, name, v) set_class(el, v, scope) toggle_class(el, name, on) set_style(el, prop, v, important)
 *   spread(el, obj, scope) prop(el, name, v) safe_url(v) set_input_value(el, v) input_value(el)
 *   html(block, parent, anchor, deps, getHtml)       {@html}
 *   listen(block, el, event, handler|null, { prevent, stop, stopImmediate, once, capture, self, passive,
 *     nonpassive, trusted, keys })                    bubble(block, event) forwards to the component's listeners
 *   if_block(block, parent, anchor, deps, select, branches)
 *   key_block(block, parent, anchor, deps, value, render)   <svelte:component>, <svelte:element>
 *   head_block(block, render)  bind_window(block, name, deps, current, assign)
 *   bind_size(block, el, name, assign)  bind_media(block, el, name, deps, current, assign)
 *   each_block(block, parent, anchor, deps, list, key|null, render, elseRender|null)
 *   await_block(block, parent, anchor, deps, promise, pending|null, then|null, catch_|null)
 *   mount_component(block, parent, anchor, Ctor, props|null, deps, { events, slots, bind })
 *   slot(block, parent, anchor, $$self, name, props|null, deps, fallback|null)
 *   transition(block, el, { in: [fn, params]|undefined, out: [fn, params]|undefined, both, in_local, out_local })
 *                                                    transition:/in:/out: (params is a thunk)
 *   animation(block, el, fn, params)                 animate: on a keyed each's row
 *   onMount onDestroy beforeUpdate afterUpdate tick createEventDispatcher setContext getContext
 *   hasContext getAllContexts
 *   writable readable derived readonly get createStore createSignal middleware
 *   route (the `$route` store) createRouter({ routes, fallback, target, base }) goto(href)
 *   eghact/transition, eghact/animate, eghact/easing, eghact/motion: their exports, and $$transition,
 *   $$animate, $$easing, $$motion (objects of them, for `import * as name`)
 *   hot_component(module_url, instance, meta) hot_style(module_url, css)
 *                                                    the dev server's hot replacement (CompileOptions::hot)
 * $$self (instance's first argument): reactive(list), subscribe(store, cb), slots, set_prop, get_prop,
 *   hot = [capture, restore] of the local state (hot replacement only).
 *
 * Scheduling: $$invalidate marks names dirty and queues a microtask flush. A flush updates dirty
 * components parents-first (reactive statements, beforeUpdate, DOM effects), then runs onMount
 * and afterUpdate callbacks, and repeats until nothing is dirty (a component changed during its
 * first render, by bind:this say, updates after its onMount, as in Svelte 3); a component invalidated more
 * than 100 times in one flush stops it with an "infinite update loop" error (tick() rejects).
 * A top-level `new C()` mounts synchronously: its onMount has run when the constructor returns.
 *
 * Semantics chosen where the contract is open (Svelte 3 behaviour unless said otherwise):
 * - Invalidations while the instance script and the first `$:` pass run are ignored (the first
 *   render reads the values directly); beforeUpdate also runs once before the first render.
 * - $set skips props whose value is unchanged (objects and functions always count as changed).
 * - bind:prop: the child calls the parent's setter with get_prop(name) when it invalidates the
 *   prop itself, never when the change came from the parent's $set. At mount, a child value
 *   that differs from what the parent passed (e.g. undefined) is sent up.
 * - Slot content's context/depth come from the component rendering the <slot> (as in Svelte);
 *   its updates come from the parent that wrote it.
 * - Modifiers: self and key filters are checked first; `once` is used up only by an event that
 *   passed them. A key name not in the table matches event.key case-insensitively.
 * - input_value of an empty number/range input is null; a <select> gives its selected option's
 *   value (`value={obj}` is obj itself, kept as `__value`), a multiple one an array of them.
 *   A select bound to undefined takes its first option's value once it has its options.
 * - bind:group: a radio binds its `value` itself (`value={1}` is the number 1, kept as
 *   `el.__value`); a checkbox group binds the array of the checked values in the order the
 *   inputs were created, whatever order they were checked in.
 * - attr(el, "value"|"checked") also sets the live property, since form fields ignore later
 *   attribute changes once edited.
 * - attr, prop and spread judge a name lower-cased: `on…` names, HTML (srcdoc, innerHTML) and
 *   anything on a <script> are refused, URL attributes go through safe_url (see "attribute
 *   safety"); each refusal is a console warning. Static attributes the compiler sets itself are
 *   the author's and kept.
 * - A component that throws while mounting or updating is reported with console.error and
 *   skipped; its siblings and the rest of the flush carry on. An await rejection with no
 *   {:catch} is reported the same way.
 * - createStore: middleware run in order as (next, prev, { name }) => value on every set/update
 *   (not on the initial or persisted value); returning middleware.CANCEL drops the change.
 *   persist saves JSON under `name` in localStorage. createSignal's setter accepts an updater.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const noop = () => {};
const LOOP_LIMIT = 100; // updates of one component within one flush before we call it a loop

// ---------------------------------------------------------------- small helpers

export const str = (v) => (v == null ? '' : String(v));

// Svelte's notion of "changed": objects and functions always count as changed, because they
// may have been mutated in place; NaN equals NaN.
function safe_not_equal(a, b) {
  return a != a ? b == b : a !== b || (a !== null && typeof a === 'object') || typeof a === 'function';
}

function hits(deps, dirty) {
  if (!deps) return true; // no dependency list: always re-run
  for (const n of deps) if (dirty.has(n)) return true;
  return false;
}

function union(dirty, names) {
  if (!names || !names.length) return dirty;
  const s = new Set(dirty);
  for (const n of names) s.add(n);
  return s;
}

function report(where, err) {
  console.error(`[eghact] error in ${where}:`, err);
}

// ---------------------------------------------------------------- blocks

function marker(parent, anchor) {
  const m = document.createTextNode('');
  parent.insertBefore(m, anchor);
  return m;
}

// `container`: the block that a `|local` transition of this one comes and goes with too (a
// component's root block and slot content come and go with the block that holds them).
function new_block(ctx, parent, anchor, container = null) {
  const b = { start: null, end: null, items: [], cleanups: [], ctx, names: [], assign: null, dead: false, container };
  b.start = marker(parent, anchor);
  b.end = marker(parent, anchor);
  return b;
}

// Render a child block just before `end` (the marker that closes its control structure).
function render_block(ctx, end, fn, args) {
  const b = new_block(ctx, end.parentNode, end);
  fn(b, ...args);
  return b;
}

// `items` are update functions (dirty) => void in registration (= document) order. An item
// may return a wider dirty set for the items after it ({@const} names it recomputed).
function update_block(b, dirty) {
  for (const item of b.items) {
    if (b.dead) return; // an effect may have torn this block down (e.g. destroyed its component)
    const wider = item(dirty);
    if (wider) dirty = wider;
  }
}

// Nested blocks sit inside this one's range, so only the outermost destroyed block detaches;
// inner ones just run their cleanups (listeners, child components, subscriptions).
function destroy_block(b, detach) {
  if (!b || b.dead) return;
  b.dead = true;
  for (const fn of b.cleanups) {
    try { fn(); } catch (e) { report('cleanup', e); }
  }
  if (detach) relocate(b, null);
}

// Move a block's whole range before `before`, or remove it when `before` is null.
function relocate(b, before) {
  const p = b.start.parentNode;
  if (!p) return;
  for (let n = b.start; n; ) {
    const next = n.nextSibling;
    if (before) before.parentNode.insertBefore(n, before);
    else p.removeChild(n);
    if (n === b.end) break;
    n = next;
  }
}

export function insert(block, node) {
  block.end.parentNode.insertBefore(node, block.end);
}

export function effect(block, deps, fn) {
  fn();
  block.items.push((dirty) => { if (hits(deps, dirty)) fn(); });
}

// {@const names = …} of a block (computed by the render function first): recomputed when what
// it reads changes, and then its names are dirty for the rest of the block.
export function consts(block, deps, names, compute) {
  block.items.push((dirty) => {
    if (!hits(deps, dirty)) return;
    compute();
    return union(dirty, names);
  });
}

// use:action={params}: called with the element once it is in place (its children built);
// `update(params)` runs when what the params read changes, `destroy()` when the element goes.
export function use_action(block, el, action, deps, params) {
  const result = (params ? action(el, params()) : action(el)) || {};
  if (params && typeof result.update === 'function') {
    block.items.push((dirty) => { if (hits(deps, dirty)) result.update(params()); });
  }
  if (typeof result.destroy === 'function') block.cleanups.push(() => result.destroy());
}

// ---------------------------------------------------------------- DOM helpers

export function element(tag, scope) {
  const el = document.createElement(tag);
  if (scope) el.className = scope;
  return el;
}

export function svg_element(tag, scope) {
  const el = document.createElementNS(SVG_NS, tag);
  if (scope) el.setAttribute('class', scope);
  return el;
}

export const text = (v) => document.createTextNode(str(v));

export function set_text(node, v) {
  const s = str(v);
  if (node.data !== s) node.data = s;
}

export function attr(el, name, v) {
  const lower = ascii_lower(name);
  v = safe_value(el, lower, v);
  if (v === REFUSED) return;
  // Live form state lives in properties, not attributes: after the user has typed, changing
  // the `value` attribute no longer changes what the field shows.
  if (lower === 'value' && 'value' in el && el.localName !== 'button') return set_input_value(el, v);
  if (lower === 'checked' && 'checked' in el) { el.checked = !!v; }
  if (v == null || v === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else {
    const s = v === true ? '' : String(v);
    if (el.getAttribute(name) !== s) el.setAttribute(name, s);
  }
}

/** `bind:name` on an element writes the property `name`, under the same rules as `attr`. */
export function prop(el, name, v) {
  v = safe_value(el, ascii_lower(name), v);
  if (v !== REFUSED) el[name] = v;
}

export function set_class(el, v, scope) {
  const s = str(v);
  attr(el, 'class', scope ? (s ? s + ' ' + scope : scope) : s);
  // Re-apply `class:name` toggles that are on, so a dynamic `class={...}` does not wipe them.
  if (el.$$on) for (const n of el.$$on) el.classList.add(n);
}

export function toggle_class(el, name, on) {
  (el.$$on ||= new Set())[on ? 'add' : 'delete'](name);
  el.classList.toggle(name, !!on);
}

export function set_style(el, prop, v, important) {
  const p = prop.startsWith('--') ? prop : prop.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  if (v == null || v === false || v === '') el.style.removeProperty(p);
  else el.style.setProperty(p, String(v), important ? 'important' : '');
}

export function spread(el, obj, scope) {
  const prev = el.$$spread || new Set();
  const next = new Set();
  for (const [k, v] of Object.entries(obj || {})) {
    next.add(k);
    set_spread(el, k, v, scope);
  }
  for (const k of prev) {
    if (!next.has(k)) set_spread(el, k, ascii_lower(k) === 'class' ? '' : null, scope);
  }
  el.$$spread = next;
}

function set_spread(el, name, v, scope) {
  try {
    if (ascii_lower(name) === 'class') set_class(el, v, scope);
    else attr(el, name, v);
  } catch (e) {
    // A key that is no attribute name ("a b", "1"): data cannot break the render.
    console.warn(`[eghact] skipped the attribute ${JSON.stringify(name)} of a spread on <${el.localName}>: ${e.message}`);
  }
}

// ---------------------------------------------------------------- attribute safety
// Every attribute and property the template sets from data goes through `safe_value`, by its name
// lower-cased as HTML compares names (so `HREF`, `Href` and `formAction` are caught), wherever
// the name came from: the markup, a spread or a binding. Values are checked as the browser will
// read them. The compiler's table of the same names is `semantics::html` (a test compares them).

// Attributes holding one URL (HTML, SVG and their obsolete forms).
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'cite', 'data', 'poster', 'background', 'codebase',
  'longdesc', 'manifest', 'profile', 'usemap', 'classid', 'icon', 'xlink:href']);
// Attributes holding URLs separated by whitespace; `srcset` has candidates with descriptors.
const URL_LIST_ATTRIBUTES = new Set(['ping', 'archive']);
// Names whose value is a whole HTML document or fragment.
const HTML_ATTRIBUTES = new Set(['srcdoc', 'innerhtml', 'outerhtml']);
// SVG animation can set another attribute (`<set attributeName="href" to="…">`).
const SVG_ANIMATIONS = new Set(['set', 'animate']);
const SVG_ANIMATION_VALUES = new Set(['to', 'from', 'by', 'values']);
const REFUSED = Symbol('refused');

const ascii_lower = (s) => String(s).replace(/[A-Z]+/g, (c) => c.toLowerCase());

function safe_value(el, lower, v) {
  if (el.localName === 'script') return refuse(el, lower, v, 'a <script> runs what its attributes say, so none comes from data');
  if (lower.startsWith('on')) return refuse(el, lower, v, 'an event handler never comes from data: use @event={handler}');
  if (HTML_ATTRIBUTES.has(lower)) return refuse(el, lower, v, 'HTML never comes from data: use {@html} for HTML you trust');
  if (v == null || typeof v === 'boolean') return v;
  if (URL_ATTRIBUTES.has(lower)) return safe_url(v);
  if (lower === 'srcset') return safe_srcset(v);
  if (URL_LIST_ATTRIBUTES.has(lower)) return String(v).replace(/[^\t\n\f\r ]+/g, (url) => safe_url(url));
  if (SVG_ANIMATION_VALUES.has(lower) && el.namespaceURI === SVG_NS && SVG_ANIMATIONS.has(el.localName)) {
    return String(v).split(';').map((value) => safe_url(value)).join(';');
  }
  return v;
}

function refuse(el, lower, v, why) {
  if (v != null && v !== false) console.warn(`[eghact] refused the attribute \`${lower}\` of <${el.localName}>: ${why}`);
  return REFUSED;
}

/**
 * `v`, or `unsafe:v` when a browser would run it as script: a `javascript:` or `vbscript:` URL, or
 * a `data:` URL other than an image. The scheme is read as the URL parser reads it, ignoring
 * case, whitespace and control characters.
 */
export function safe_url(v) {
  if (v == null) return v;
  const s = String(v);
  const norm = s.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  if (/^(javascript|vbscript):/.test(norm) || (norm.startsWith('data:') && !norm.startsWith('data:image/'))) {
    console.warn(`[eghact] refused the URL ${JSON.stringify(s.slice(0, 60))}: it would run as script`);
    return 'unsafe:' + s;
  }
  return v;
}

/** Each candidate URL of a `srcset` through `safe_url`, parsed as the HTML standard parses it. */
function safe_srcset(v) {
  const s = String(v);
  const space = /[\t\n\f\r ]/;
  let out = '';
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && (space.test(s[j]) || s[j] === ',')) j++;
    out += s.slice(i, j);
    i = j;
    while (j < s.length && !space.test(s[j])) j++;
    // Commas that end the URL end the candidate.
    let end = j;
    while (end > i && s[end - 1] === ',') end--;
    out += safe_url(s.slice(i, end)) + s.slice(end, j);
    i = j;
    if (end < j) continue;
    // Descriptors run to the next comma outside parentheses.
    let depth = 0;
    while (j < s.length && (depth > 0 || s[j] !== ',')) {
      if (s[j] === '(') depth++;
      else if (s[j] === ')') depth = Math.max(0, depth - 1);
      j++;
    }
    out += s.slice(i, j);
    i = j;
  }
  return out;
}

// The value of an option, radio or checkbox: what `value={…}` gave it, or its text value.
const own_value = (el) => ('__value' in el ? el.__value : el.value);

const numeric = (el) => el.type === 'number' || el.type === 'range';

export function set_input_value(el, v) {
  el.__value = v; // the value itself, for bind:group (`value={1}` binds the number 1)
  if (el.localName === 'select') {
    // Options are matched by their value itself (`value={question}` is the object), as in Svelte.
    const many = el.multiple && Array.isArray(v);
    let found = false;
    for (const o of el.options) {
      const on = many ? v.includes(own_value(o)) : !found && own_value(o) === v;
      o.selected = on;
      found ||= on;
    }
    if (!found && !many) el.selectedIndex = -1;
    return;
  }
  // Don't rewrite "1." or "1e" while the user is still typing a number that parses the same.
  if (numeric(el) && input_value(el) === v) return;
  const s = str(v);
  if (el.value !== s) el.value = s;
}

/** `$$restProps`: the props given to a component that it does not declare. */
export function rest_props(props, declared) {
  const rest = {};
  for (const k of Object.keys(props)) if (!declared.includes(k)) rest[k] = props[k];
  return rest;
}

/** `$$slots`: `true` under the name of each slot the parent filled (`default` included). */
export function filled_slots(self) {
  const filled = {};
  for (const name of Object.keys(self.slots)) filled[name] = true;
  return filled;
}

// bind:group: the radios or checkboxes of one component bound to the same expression (and the
// same `{#each}` values it reads), in the order they were created. A radio binds its value, a
// checkbox group the array of the checked values in the inputs' order, as Svelte 3 does.
export function binding_group(block, self, key, el) {
  let level = self.$$groups || (self.$$groups = new Map());
  for (const part of key) {
    let next = level.get(part);
    if (!next) level.set(part, (next = new Map()));
    level = next;
  }
  const inputs = level.inputs || (level.inputs = []);
  inputs.push(el);
  block.cleanups.push(() => {
    const at = inputs.indexOf(el);
    if (at >= 0) inputs.splice(at, 1);
  });
  return inputs;
}


export function set_group_checked(el, group) {
  const v = own_value(el);
  el.checked = el.type === 'checkbox' ? Array.isArray(group) && group.includes(v) : v === group;
}

export function group_value(inputs, el) {
  if (el.type !== 'checkbox') return own_value(el);
  const values = new Set();
  for (const input of inputs) if (input.checked) values.add(own_value(input));
  return [...values];
}

export function input_value(el) {
  if (numeric(el)) return el.value === '' ? null : +el.value;
  if (el.localName === 'select') {
    if (el.multiple) return [...el.selectedOptions].map(own_value);
    const o = el.selectedOptions[0];
    return o ? own_value(o) : null;
  }
  return el.value;
}

export function html(block, parent, anchor, deps, get) {
  const end = marker(parent, anchor);
  let nodes = [];
  let current;
  const set = () => {
    const s = str(get());
    if (s === current) return;
    current = s;
    for (const n of nodes) n.remove();
    const p = end.parentNode;
    // Parse in the right namespace so raw <circle> inside an <svg> stays SVG.
    const host = p.namespaceURI === SVG_NS && p.localName !== 'foreignObject'
      ? document.createElementNS(SVG_NS, 'svg')
      : document.createElement('template');
    host.innerHTML = s;
    nodes = [...(host.content || host).childNodes];
    for (const n of nodes) p.insertBefore(n, end);
  };
  set();
  block.items.push((dirty) => { if (hits(deps, dirty)) set(); });
}

// ---------------------------------------------------------------- events

const KEYS = {
  enter: ['Enter'], escape: ['Escape', 'Esc'], esc: ['Escape', 'Esc'], space: [' ', 'Spacebar'],
  tab: ['Tab'], up: ['ArrowUp', 'Up'], down: ['ArrowDown', 'Down'], left: ['ArrowLeft', 'Left'],
  right: ['ArrowRight', 'Right'], delete: ['Delete', 'Backspace', 'Del'],
};

function key_ok(keys, e) {
  return keys.some((k) => {
    const names = KEYS[k.toLowerCase()];
    return names ? names.includes(e.key) : str(e.key).toLowerCase() === k.toLowerCase();
  });
}

export function listen(block, el, event, handler, modifiers) {
  const m = modifiers || {};
  const opts = { capture: !!m.capture };
  if (m.passive) opts.passive = true;
  if (m.nonpassive) opts.passive = false;
  const off = () => el.removeEventListener(event, wrapped, opts);
  function wrapped(e) {
    // Filters first: `.once` is only used up by an event that passed them.
    if (m.trusted && !e.isTrusted) return;
    if (m.self && e.target !== e.currentTarget) return;
    if (m.keys && m.keys.length && !key_ok(m.keys, e)) return;
    if (m.once) off();
    if (m.prevent) e.preventDefault();
    if (m.stop) e.stopPropagation();
    if (m.stopImmediate) e.stopImmediatePropagation();
    if (handler) return handler.call(this, e);
  }
  el.addEventListener(event, wrapped, opts);
  block.cleanups.push(off);
}

/** Event forwarding (`@click` without a value): the component's own listeners get the event. */
export function bubble(block, e) {
  const self = block.ctx;
  const list = self.callbacks[e.type];
  if (list) for (const fn of list.slice()) fn.call(self.instance, e);
}

// ---------------------------------------------------------------- control flow

export function if_block(block, parent, anchor, deps, select, branches) {
  const end = marker(parent, anchor);
  const leaving = new Set();
  let index = select();
  let child = index >= 0 && branches[index] ? render_block(block.ctx, end, branches[index], []) : null;
  block.items.push((dirty) => {
    if (hits(deps, dirty)) {
      const next = select();
      if (next !== index) {
        const outro = outro_block(child, leaving);
        if (outro) outro.index = index;
        index = next;
        // The branch that is playing its outro comes back: its transitions reverse (Svelte 3).
        const back = [...leaving].find((o) => o.index === next);
        if (back) {
          child = back.revive(leaving);
          update_block(child, dirty);
        } else {
          child = next >= 0 && branches[next] ? intro_block(block.ctx, end, branches[next], []) : null;
        }
        return;
      }
    }
    if (child) update_block(child, dirty);
  });
  block.cleanups.push(() => {
    destroy_block(child, false);
    for (const outro of leaving) destroy_block(outro.block, false);
  });
}

// <svelte:component this={…}> and <svelte:element this={…}>: the content is rendered again,
// from scratch, whenever the value changes, and not at all while it is falsy. `{#key}`
// (`always`) renders whatever the value, and an object counts as changed, as in Svelte.
export function key_block(block, parent, anchor, deps, value, render, always = false) {
  const end = marker(parent, anchor);
  // The content of <svelte:component>/<svelte:element> comes and goes with this block too
  // (Svelte passes `|local` on to it); a `{#key}` block's only with its own key.
  const container = always ? null : block;
  const show = (v, intro) => {
    if (!v && !always) return null;
    const create = () => {
      const b = new_block(block.ctx, end.parentNode, end, container);
      render(b, v);
      return b;
    };
    return intro ? with_intros(true, create) : create();
  };
  let current = value();
  let child = show(current, false);
  const leaving = new Set();
  block.items.push((dirty) => {
    if (hits(deps, dirty)) {
      const next = value();
      if (always ? safe_not_equal(next, current) : next !== current) {
        outro_block(child, leaving);
        current = next;
        child = show(next, true);
        return;
      }
    }
    if (child) update_block(child, dirty);
  });
  block.cleanups.push(() => {
    destroy_block(child, false);
    for (const outro of leaving) destroy_block(outro.block, false);
  });
}

// bind:clientWidth, clientHeight, offsetWidth, offsetHeight: read-only, measured whenever the
// element's box changes (and once it is laid out).
export function bind_size(block, el, name, assign) {
  if (typeof ResizeObserver === 'undefined') return;
  const observer = new ResizeObserver(() => assign(el[name]));
  observer.observe(el);
  block.cleanups.push(() => observer.disconnect());
}

// bind: on <audio> and <video>: the events after which each property may have changed. The
// first five are two-way: a new value of the variable is set on the element.
const TWO_WAY_MEDIA = ['currentTime', 'paused', 'volume', 'muted', 'playbackRate'];
const MEDIA_EVENTS = {
  currentTime: ['timeupdate'], paused: ['play', 'pause'], volume: ['volumechange'], muted: ['volumechange'],
  playbackRate: ['ratechange'], duration: ['durationchange'], buffered: ['progress'],
  seekable: ['loadedmetadata'], played: ['timeupdate'], seeking: ['seeking', 'seeked'], ended: ['timeupdate', 'ended'],
  readyState: ['loadedmetadata', 'loadeddata', 'canplay', 'canplaythrough', 'playing', 'waiting', 'emptied'],
  videoWidth: ['resize'], videoHeight: ['resize'],
};

export function bind_media(block, el, name, deps, current, assign) {
  const read = () => {
    const v = el[name];
    // TimeRanges become [{ start, end }], as Svelte gives them.
    if (v && typeof v.start === 'function' && typeof v.length === 'number') {
      return Array.from({ length: v.length }, (_, i) => ({ start: v.start(i), end: v.end(i) }));
    }
    return v;
  };
  for (const event of MEDIA_EVENTS[name]) listen(block, el, event, () => assign(read()), {});
  const write = () => {
    const v = current();
    if (v === undefined || v === null || Number.isNaN(v) || v === el[name]) return;
    if (name === 'paused') { if (v) el.pause(); else el.play().catch(noop); } else el[name] = v;
  };
  if (TWO_WAY_MEDIA.includes(name)) {
    // The first value is set too, except `paused`: a page does not start playing by itself.
    if (name !== 'paused') write();
    block.items.push((dirty) => { if (hits(deps, dirty)) write(); });
  }
  assign(read());
}

// <svelte:head>: the content goes to the end of document.head and leaves with the component.
export function head_block(block, render) {
  const end = marker(document.head, null);
  const child = render_block(block.ctx, end, render, []);
  block.items.push((dirty) => update_block(child, dirty));
  block.cleanups.push(() => {
    destroy_block(child, true);
    end.remove();
  });
}

// <svelte:window bind:name={…}>: the window's value into the variable at mount and on each event
// that may change it; scrollX and scrollY also scroll the window when the variable changes.
const WINDOW_BINDINGS = {
  innerWidth: ['resize'], innerHeight: ['resize'], outerWidth: ['resize'], outerHeight: ['resize'],
  devicePixelRatio: ['resize'], scrollX: ['scroll'], scrollY: ['scroll'], online: ['online', 'offline'],
};

export function bind_window(block, name, deps, current, assign) {
  const read = () => (name === 'online' ? navigator.onLine : window[name]);
  const update = () => assign(read());
  for (const event of WINDOW_BINDINGS[name]) listen(block, window, event, update, {});
  // As in Svelte, the page is not scrolled to the variable's first value, only to later ones.
  update();
  block.items.push((dirty) => {
    if ((name === 'scrollX' || name === 'scrollY') && hits(deps, dirty)) {
      const v = current();
      if (v !== undefined && v !== read()) scroll_window(name, v);
    }
  });
}

function scroll_window(name, v) {
  if (name === 'scrollX') window.scrollTo(v, window.scrollY);
  else window.scrollTo(window.scrollX, v);
}

export function each_block(block, parent, anchor, deps, list, key, render, elseRender) {
  const end = marker(parent, anchor);
  let rows = []; // [{ key, b }] in document order
  let fallback = null;
  const leaving = new Set(); // rows playing their outro
  let initial = true;

  const create = (item, i, before) =>
    with_intros(!initial, () => {
      const b = new_block(block.ctx, end.parentNode, before);
      render(b, item, i);
      return b;
    });
  const reuse = (b, item, i, dirty) => {
    if (b.assign) b.assign(item, i);
    update_block(b, union(dirty, b.names));
  };
  // A row that leaves plays its outro as `leaving`'s entry with `row` = its key (unkeyed: its
  // index); one that comes back meanwhile is that same row again, its transitions reversed
  // (Svelte 3 keeps the row until its outro ends), never a second copy beside the leaving one.
  const leave = (b, row) => {
    const outro = outro_block(b, leaving);
    if (outro) outro.row = { key: row };
    return outro;
  };
  const come_back = (row) => {
    for (const outro of leaving) if (outro.row && outro.row.key === row) return outro.revive(leaving);
    return null;
  };

  function reconcile(dirty) {
    const v = list();
    const items = v == null ? [] : Array.from(v);
    let next;
    if (!key) {
      // Unkeyed: row i keeps its DOM and gets item i.
      for (let i = items.length; i < rows.length; i++) leave(rows[i].b, i);
      next = items.map((item, i) => {
        const b = i < rows.length ? rows[i].b : come_back(i);
        if (!b) return { b: create(item, i, end) };
        reuse(b, item, i, dirty);
        return { b };
      });
    } else {
      const old = new Map();
      for (const r of rows) if (!old.has(r.key)) old.set(r.key, r);
      const seen = new Set();
      next = items.map((item, i) => {
        const k = key(item, i);
        // A repeated key gets a fresh row rather than stealing the first one's DOM.
        const r = seen.has(k) ? null : old.get(k);
        const b = r ? r.b : seen.has(k) ? null : come_back(k);
        seen.add(k);
        if (r) old.delete(k);
        return { key: k, item, i, b };
      });
      const kept = new Set(next.map((r) => r.b));
      const moving = measure_animations(rows.filter((r) => kept.has(r.b)));
      for (const r of rows) {
        if (kept.has(r.b)) continue;
        const animations = r.b.animations;
        // A leaving animated row is taken out of the flow, where it is, so the rest move; it
        // takes its place again if it comes back.
        const outro = leave(r.b, r.key);
        if (outro && animations) {
          const fixed = animations.map((a) => fix_position(a.el));
          const revive = outro.revive;
          outro.revive = (set) => {
            for (const unfix of fixed) unfix();
            return revive(set);
          };
        }
      }
      // Rows playing their outro stay where they are: a row followed by some, then by its
      // successor, is in place.
      const leaving_at = new Map([...leaving].map((outro) => [outro.block.start, outro.block]));
      const in_place = (b, before) => {
        let n = b.end.nextSibling;
        while (n !== before && leaving_at.has(n)) n = leaving_at.get(n).end.nextSibling;
        return n === before;
      };
      // Walk backwards so each row only needs to sit right before its successor.
      let before = end;
      for (let j = next.length - 1; j >= 0; j--) {
        const r = next[j];
        if (r.b) {
          if (!in_place(r.b, before)) relocate(r.b, before);
          reuse(r.b, r.item, r.i, dirty);
        } else {
          r.b = create(r.item, r.i, before);
        }
        before = r.b.start;
        r.item = undefined; // don't keep items alive through the rows array
      }
      run_animations(moving);
    }
    rows = next;
    if (rows.length) {
      outro_block(fallback, leaving);
      fallback = null;
    } else if (elseRender && !fallback) {
      fallback = initial ? render_block(block.ctx, end, elseRender, []) : intro_block(block.ctx, end, elseRender, []);
    } else if (fallback && dirty) {
      update_block(fallback, dirty);
    }
  }

  reconcile(null);
  initial = false;
  block.items.push((dirty) => {
    if (hits(deps, dirty)) return reconcile(dirty);
    for (const r of rows) update_block(r.b, dirty);
    if (fallback) update_block(fallback, dirty);
  });
  block.cleanups.push(() => {
    for (const r of rows) destroy_block(r.b, false);
    destroy_block(fallback, false);
    for (const outro of leaving) destroy_block(outro.block, false);
  });
}

export function await_block(block, parent, anchor, deps, promise, pending, then, catch_) {
  const end = marker(parent, anchor);
  let child = null;
  let token = 0;
  let current;
  let initial = true;
  const leaving = new Set();
  const show = (fn, args) => {
    outro_block(child, leaving);
    child = !fn ? null : initial ? render_block(block.ctx, end, fn, args) : intro_block(block.ctx, end, fn, args);
  };
  function handle(p) {
    current = p;
    const t = ++token;
    if (p && typeof p.then === 'function') {
      show(pending, []);
      p.then(
        (value) => { if (t === token) batch(() => show(then, [value])); },
        (error) => {
          if (t !== token) return;
          batch(() => show(catch_, [error]));
          if (!catch_) report('{#await} without {:catch}', error);
        },
      );
    } else {
      show(then, [p]);
    }
  }
  handle(promise());
  initial = false;
  block.items.push((dirty) => {
    if (hits(deps, dirty)) {
      const p = promise(); // once: `{#await load(x)}` must not start two loads
      if (p !== current) return handle(p);
    }
    if (child) update_block(child, dirty);
  });
  block.cleanups.push(() => {
    token++;
    destroy_block(child, false);
    for (const outro of leaving) destroy_block(outro.block, false);
  });
}

// ---------------------------------------------------------------- transitions and animations
//
// An element with `transition:`/`in:`/`out:` registers a record in its block. Intros play when
// a block is created by an update (if, each, await, key), for the global records of its whole
// range and the local ones of that block (`|local` is per direction: `in:fly|local out:fade`
// plays its outro with a parent block too); at first mount only when the component is created
// with `intro: true`, and then only the global ones (Svelte introduces a root without
// `local`). A block that goes away plays the outros of the records in its range (global ones,
// and local ones of that very block) and is destroyed, its range removed, once they have all
// ended; an `{#if}` branch or an `{#each}` row that comes back meanwhile is kept and its
// transitions reverse. A component's root block and slot content count as the block that
// holds them (`container`), as Svelte passes `local` on to components and slots.
// `animate:` plays on the rows a keyed `{#each}` kept and moved.

const live_transitions = new Set();
let intro_collector = null; // { records } while blocks are created with intros

export function transition(block, el, spec) {
  const record = {
    el, block, in: spec.in || null, out: spec.out || null, both: !!spec.both,
    in_local: !!spec.in_local, out_local: !!spec.out_local, running: null,
  };
  live_transitions.add(record);
  if (intro_collector && record.in) intro_collector.records.push(record);
  block.cleanups.push(() => {
    live_transitions.delete(record);
    if (record.running) record.running.stop();
  });
}

export function animation(block, el, fn, params) {
  (block.animations ||= []).push({ el, fn, params, running: null, from: null });
}

// Whether a `|local` transition registered in `block` plays when `b` comes or goes: `b` is its
// block, or holds it through components and slots.
function comes_with(block, b) {
  for (let x = block; x; x = x.container) if (x === b) return true;
  return false;
}

// Runs `create` collecting the intro records it registers, then plays those of the creation of
// the block it answers: global ones, and local ones that come with that block.
function with_intros(enabled, create) {
  if (!enabled) return create();
  const outer = intro_collector;
  const collector = (intro_collector = { records: [] });
  let created;
  try {
    created = create();
  } finally {
    intro_collector = outer;
  }
  for (const r of collector.records) {
    if (outer) outer.records.push(r);
    else if (!r.in_local || comes_with(r.block, created)) play(r, true, null);
  }
  return created;
}

function intro_block(ctx, end, fn, args) {
  return with_intros(true, () => render_block(ctx, end, fn, args));
}

const inside = (b, el) =>
  (b.start.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0 &&
  (b.end.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING) !== 0;

// Destroys `b` once the outros in its range have ended (at once without any). While they play,
// the block sits in `leaving` as { block, revive(leaving) -> block }.
function outro_block(b, leaving) {
  if (!b || b.dead) return null;
  const records = [];
  for (const r of live_transitions) if (r.out && (!r.out_local || comes_with(r.block, b)) && inside(b, r.el)) records.push(r);
  if (!records.length) {
    destroy_block(b, true);
    return null;
  }
  let left = records.length;
  const outro = {
    block: b,
    revive(set) {
      set.delete(outro);
      left = -1; // the outros still running end without destroying the block
      for (const r of records) {
        if (r.in) play(r, true, null);
        else if (r.running) {
          r.running.stop();
          r.running = null;
        }
      }
      return b;
    },
  };
  leaving.add(outro);
  const ended = () => {
    if (--left !== 0) return;
    leaving.delete(outro);
    destroy_block(b, true);
  };
  for (const r of records) play(r, false, ended);
  return outro;
}

function dispatch(el, name) {
  el.dispatchEvent(new CustomEvent(name));
}

// Plays `record`'s intro (t from 0 to 1) or outro (1 to 0). A bidirectional transition that
// interrupts its other direction starts from where it was, for that part of the duration.
function play(record, intro, done) {
  // An outro already playing (a block around a leaving one leaves too) is waited for as it is.
  if (!intro && record.running && !record.running.intro) {
    if (done) record.running.waiters.push(done);
    return;
  }
  const [fn, params] = (intro ? record.in : record.out) || [];
  let from = intro ? 0 : 1;
  if (record.running) {
    if (record.both) from = record.running.t();
    record.running.stop();
  }
  record.running = null;
  if (!fn) {
    if (done) done();
    return;
  }
  const options = { direction: record.both ? 'both' : intro ? 'in' : 'out' };
  const handle = { intro, waiters: done ? [done] : [], t: () => from, stop: noop };
  record.running = handle;
  const go = (config) => {
    if (record.running !== handle) return;
    const run = run_config(record.el, config, from, intro ? 1 : 0, intro, () => {
      if (record.running === handle) record.running = null;
      dispatch(record.el, intro ? 'introend' : 'outroend');
      for (const waiter of handle.waiters) waiter();
    });
    handle.t = run.t;
    handle.stop = run.stop;
    dispatch(record.el, intro ? 'introstart' : 'outrostart');
  };
  const configure = (make) => {
    try {
      return make();
    } catch (e) {
      report('transition', e);
      return null; // ends at once, so that a leaving block still goes
    }
  };
  const config = configure(() => fn(record.el, params(), options));
  // crossfade's functions answer a function: called once every element of the update has
  // registered, so that a sent element finds its received counterpart.
  if (typeof config === 'function') Promise.resolve().then(() => go(configure(() => config(options))));
  else go(config);
}

// Runs a transition's or animation's config from t = `from` to `to`: `css` as a Web Animation
// sampled every frame of its easing, `tick` every animation frame. `remove_css`: whether the css
// frame goes at the end (intros and animations) or stays until the element goes (outros).
function run_config(el, config, from, to, remove_css, ended) {
  // No config (a transition that answers nothing, a crossfade without fallback) takes no time.
  const { delay = 0, duration = 300, easing = linear, css, tick = noop } = config || { duration: 0 };
  const span = Math.max(0, duration * Math.abs(to - from));
  const at = (p) => from + (to - from) * easing(p);
  let anim = null;
  if (css && el.animate) {
    const steps = Math.max(1, Math.ceil(span / 16));
    const frames = [];
    for (let i = 0; i <= steps; i++) {
      const t = at(i / steps);
      frames.push(css_keyframe(css(t, 1 - t)));
    }
    try {
      anim = el.animate(frames, { duration: span, delay, fill: 'both', easing: 'linear' });
    } catch (e) {
      report('transition css', e);
    }
  }
  let t = from;
  let stopped = false;
  tick(t, 1 - t);
  const start = performance.now() + delay;
  const frame = (now) => {
    if (stopped) return;
    if (now >= start) {
      const p = span > 0 ? Math.min(1, (now - start) / span) : 1;
      t = p >= 1 ? to : at(p);
      tick(t, 1 - t);
      if (p >= 1) {
        stopped = true;
        if (anim && remove_css) anim.cancel();
        ended();
        return;
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  return {
    t: () => t,
    stop() {
      stopped = true;
      if (anim) anim.cancel();
    },
  };
}

// `opacity: 0.5; transform: scale(2)` as a Web Animations keyframe.
function css_keyframe(text) {
  const frame = {};
  for (const declaration of String(text).split(';')) {
    const colon = declaration.indexOf(':');
    const name = declaration.slice(0, colon).trim();
    if (colon < 0 || !name) continue;
    const key = name.startsWith('--') ? name : name === 'float' ? 'cssFloat' : name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    frame[key === 'offset' ? 'cssOffset' : key] = declaration.slice(colon + 1).trim();
  }
  return frame;
}

// Before a keyed `{#each}` moves its rows: where each animated element of the kept rows is.
function measure_animations(rows) {
  const moving = [];
  for (const r of rows) {
    for (const a of r.b.animations || []) {
      a.from = a.el.getBoundingClientRect();
      moving.push(a);
    }
  }
  return moving;
}

// Takes `el` out of the flow where it is; answers what puts it back.
function fix_position(el) {
  const style = getComputedStyle(el);
  if (style.position === 'absolute' || style.position === 'fixed') return noop;
  const { width, height } = style;
  const own = { position: el.style.position, width: el.style.width, height: el.style.height, transform: el.style.transform };
  const before = el.getBoundingClientRect();
  el.style.position = 'absolute';
  el.style.width = width;
  el.style.height = height;
  const after = el.getBoundingClientRect();
  if (before.left !== after.left || before.top !== after.top) {
    const transform = own_transform(getComputedStyle(el));
    el.style.transform = `${transform} translate(${before.left - after.left}px, ${before.top - after.top}px)`;
  }
  return () => Object.assign(el.style, own);
}

function run_animations(moving) {
  for (const a of moving) {
    const to = a.el.getBoundingClientRect();
    const { from } = a;
    if (from.left === to.left && from.top === to.top && from.width === to.width && from.height === to.height) continue;
    if (a.running) a.running.stop();
    let config;
    try {
      config = a.fn(a.el, { from, to }, a.params());
    } catch (e) {
      report('animation', e);
      continue;
    }
    const run = run_config(a.el, config, 0, 1, true, () => {
      if (a.running === run) a.running = null;
    });
    a.running = run;
  }
}

// ---------------------------------------------------------------- components

let current_component = null; // the component whose instance() is running
let init_depth = 0;
const dirty_components = [];
const mounted = []; // components waiting for their onMount (children before parents)
const after = new Set(); // components whose afterUpdate runs at the end of this flush (once)
let scheduled = false;
let flushing = false;
let flush_promise = Promise.resolve();
const injected = new Set();

export function css_beside(module_url) {
  const url = new URL(module_url);
  url.pathname = url.pathname.replace(/\.[cm]?js$/, '.css');
  return url.href;
}

function inject_css(href) {
  if (!href || injected.has(href)) return;
  injected.add(href);
  const abs = new URL(href, document.baseURI).href;
  for (const l of document.querySelectorAll('link[rel="stylesheet"]')) if (l.href === abs) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.appendChild(link);
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  flush_promise = Promise.resolve().then(flush);
}

function flush() {
  if (flushing) return;
  flushing = true;
  const counts = new Map();
  try {
    do {
      while (dirty_components.length) {
        // Parents first: a parent's update may $set its children, which then update once.
        let at = 0;
        for (let i = 1; i < dirty_components.length; i++) {
          if (dirty_components[i].depth < dirty_components[at].depth) at = i;
        }
        const c = dirty_components.splice(at, 1)[0];
        const n = (counts.get(c) || 0) + 1;
        counts.set(c, n);
        if (n > LOOP_LIMIT) {
          for (const d of dirty_components) d.queued = false;
          dirty_components.length = 0;
          c.queued = false;
          c.dirty = new Set();
          throw new Error(`[eghact] infinite update loop in <${c.name}>: it updated ${LOOP_LIMIT} times in one flush ` +
            `(a reactive statement, afterUpdate, bind: or store keeps changing its own inputs)`);
        }
        update_component(c);
      }
      while (mounted.length) run_mount(mounted.shift());
      for (const c of after) {
        after.delete(c);
        run_after_update(c);
      }
    } while (dirty_components.length);
  } finally {
    flushing = false;
    scheduled = false;
    after_update_ran.clear();
  }
}

// As in Svelte 3, each afterUpdate callback runs once per flush: state it sets updates the
// component again without running the callback again, so the flush settles instead of looping.
const after_update_ran = new Set();

function run_after_update(c) {
  if (c.destroyed) return;
  for (const fn of c.after_update) {
    if (after_update_ran.has(fn)) continue;
    after_update_ran.add(fn);
    guard(c, fn);
  }
}

// Render outside a flush (a settled promise): child components mounted meanwhile must not
// flush on their own halfway through our render, so run their onMount once we are done.
function batch(fn) {
  init_depth++;
  try { fn(); } finally { init_depth--; }
  if (!init_depth && !flushing) flush();
}

function guard(c, fn) {
  try { return fn(); } catch (e) { report(`<${c.name}>`, e); }
}

function update_component(c) {
  if (c.destroyed) { c.queued = false; return; }
  // `c.dirty` stays live while reactive statements and beforeUpdate run, so what they
  // invalidate is seen by later statements; `queued` stays true so they don't requeue.
  const dirty = c.dirty;
  try {
    for (const [deps, run] of c.reactive_list) if (hits(deps, dirty)) run();
    for (const fn of c.before_update) fn();
  } catch (e) {
    report(`<${c.name}>`, e);
  }
  c.dirty = new Set();
  c.queued = false;
  try {
    update_block(c.root, dirty);
  } catch (e) {
    report(`<${c.name}>`, e); // one broken component must not stop the rest of the flush
  }
  if (c.after_update.length) after.add(c);
}

function queue(c) {
  c.queued = true;
  dirty_components.push(c);
  schedule();
}

function run_mount(c) {
  if (c.destroyed) return;
  c.mounted = true;
  for (const fn of c.on_mount) {
    const cleanup = guard(c, fn);
    if (typeof cleanup === 'function') c.on_destroy.push(cleanup);
  }
  run_after_update(c);
  if (c.dirty.size && !c.queued) queue(c);
}

function destroy_component(c, detach) {
  if (!c || c.destroyed) return;
  c.destroyed = true;
  for (const fn of c.on_destroy) guard(c, fn);
  destroy_block(c.root, detach);
  c.callbacks = {};
}

function init(instance_obj, instance, meta, options) {
  const internal = options.$$ || {};
  const parent = internal.parent || null;
  const props = { ...options.props }; // $set merges into this; don't mutate the caller's object
  const name = meta.name || 'Component';
  if (!options.target) throw new Error(`[eghact] <${name}>: new ${name}({ target }) needs a target element`);
  if (meta.css) inject_css(meta.css);

  const self = {
    name, instance: instance_obj, parent, depth: parent ? parent.depth + 1 : 0,
    context: new Map(parent ? parent.context : []),
    dirty: new Set(), queued: false, ready: false, mounted: false, destroyed: false, from_parent: false,
    reactive_list: [], on_mount: [], on_destroy: [], before_update: [], after_update: [],
    callbacks: {}, bound: internal.bind || {}, slots: internal.slots || {}, host: internal.host || null,
    root: null, props,
    set_prop: noop,
    get_prop: noop,
    props_changed: noop,
    reactive(list) { self.reactive_list = list || []; },
    held_stores: new Map(),
    subscribe(store, cb, name, current) {
      if (!name) { self.on_destroy.push(subscribe(store, cb)); return; }
      const held = { store, cb, current, stop: subscribe(store, cb) };
      self.held_stores.set(name, held);
      self.on_destroy.push(() => held.stop());
    },
  };
  instance_obj.$$ = self;
  for (const [ev, fn] of Object.entries(internal.events || {})) if (fn) instance_obj.$on(ev, fn);
  if (meta.hot) {
    meta.hot.live.add(self);
    self.on_destroy.push(() => meta.hot.live.delete(self));
  }

  const invalidate = (names, value) => {
    if (self.destroyed) return value;
    // A variable holding a store that now holds another one: follow the new store (Svelte 3).
    for (const n of Array.isArray(names) ? names : [names]) {
      const held = self.held_stores.get(n);
      if (held && held.current() !== held.store) {
        held.stop();
        held.store = held.current();
        held.stop = subscribe(held.store, held.cb);
      }
    }
    // Before the first render, assignments are read directly by the render; nothing to update.
    if (!self.ready) return value;
    for (const n of Array.isArray(names) ? names : [names]) {
      self.dirty.add(n);
      // bind:prop — tell the parent, unless the change came from the parent in the first place.
      if (!self.from_parent && Object.hasOwn(self.bound, n)) self.bound[n](self.get_prop(n));
    }
    // Changes made while the first render runs (bind:this, a select taking its first option)
    // update the component after its onMount, as Svelte runs its binding callbacks.
    if (!self.queued && self.mounted) queue(self);
    return value;
  };

  const prev = current_component;
  init_depth++;
  try {
    current_component = self;
    let render;
    try {
      render = instance(self, props, invalidate);
      if (internal.hot_state && self.hot) self.hot[1](internal.hot_state);
      for (const [, run] of self.reactive_list) run();
    } finally {
      current_component = prev;
    }
    self.ready = true;
    for (const fn of self.before_update) fn();
    // `intro: true` plays the intros of the first render too (Svelte 3's constructor option),
    // the global ones: a top-level component is no block that comes (`null`).
    with_intros(!!options.intro, () => {
      self.root = new_block(self, options.target, options.anchor || null, internal.container || null);
      if (typeof render === 'function') render(self.root);
      return null;
    });
  } catch (e) {
    destroy_component(self, true);
    throw e;
  } finally {
    init_depth--;
  }
  mounted.push(self);
  if (init_depth === 0 && !flushing) flush(); // top-level mount: run onMount now, like Svelte
}

export function component(instance, meta = {}) {
  const C = class {
    constructor(options) { init(this, instance, meta, options || {}); }
    $set(props) {
      const s = this.$$;
      if (!props || s.destroyed) return;
      const changed = Object.keys(props).some((k) => !Object.hasOwn(s.props, k) || safe_not_equal(s.props[k], props[k]));
      Object.assign(s.props, props);
      s.from_parent = true;
      try {
        for (const k of Object.keys(props)) if (safe_not_equal(s.get_prop(k), props[k])) s.set_prop(k, props[k]);
        if (changed) s.props_changed();
      } finally {
        s.from_parent = false;
      }
    }
    $on(name, cb) {
      const list = (this.$$.callbacks[name] ||= []);
      list.push(cb);
      return () => {
        const i = list.indexOf(cb);
        if (i >= 0) list.splice(i, 1);
      };
    }
    $destroy() { destroy_component(this.$$, true); }
  };
  Object.defineProperty(C, 'name', { value: meta.name || 'Component' });
  // <svelte:options accessors>: `instance.prop` reads the prop, and setting it updates at once.
  for (const prop of meta.accessors || []) {
    Object.defineProperty(C.prototype, prop, {
      get() { return this.$$.get_prop(prop); },
      set(value) { this.$set({ [prop]: value }); flush(); },
    });
  }
  return C;
}

// ---------------------------------------------------------------- hot replacement (dev server)

// One record per module URL (without its query), shared by every copy of the runtime a page
// loaded: the newest instance function and meta, the live instances, and the one class that
// importers hold, which always constructs with the newest code.
const hot_records = (globalThis.__eghact_hot ||= new Map());

const hot_key = (module_url) => { const u = new URL(module_url); u.search = ''; return u.href; };

// `export default` of a component compiled for the dev server (`CompileOptions::hot`). The
// first load makes the class; a later one (the same URL with a new `?t=`) replaces the code of
// the class and re-mounts its live instances in place: props, context, slots and listeners
// kept, and the local state when its shape (the names of the script's state) is the same.
export function hot_component(module_url, instance, meta) {
  const key = hot_key(module_url);
  let record = hot_records.get(key);
  if (!record) {
    record = { instance, meta, live: new Set() };
    record.run = (self, props, invalidate) => record.instance(self, props, invalidate);
    record.init_meta = { hot: record, get name() { return record.meta.name; }, accessors: meta.accessors };
    record.C = component(record.run, record.init_meta);
    hot_records.set(key, record);
    return record.C;
  }
  const keep = record.meta.shape === meta.shape;
  record.instance = instance;
  record.meta = meta;
  const live = [...record.live].sort((a, b) => a.depth - b.depth);
  if (!keep && live.length) {
    console.info(`[eghact] <${meta.name}>: its local state starts afresh (its declarations changed: ${meta.shape || 'none'})`);
  }
  for (const self of live) if (!self.destroyed) hot_remount(self, record, keep);
  flush();
  return record.C;
}

function hot_remount(old, record, keep) {
  const obj = old.instance;
  const state = keep && old.hot ? old.hot[0]() : null;
  // The props as the instance holds them now (a bound prop it changed itself included).
  const props = { ...old.props };
  for (const k of Object.keys(props)) {
    const v = old.get_prop(k);
    if (v !== undefined) props[k] = v;
  }
  const place = old.root && old.root.start && old.root.start.parentNode;
  if (!place) return;
  const anchor = marker(place, old.root.start);
  const callbacks = old.callbacks;
  destroy_component(old, true);
  try {
    init(obj, record.run, record.init_meta, {
      target: place, anchor, props,
      $$: { parent: old.parent, slots: old.slots, host: old.host, bind: old.bound, hot_state: state },
    });
    obj.$$.callbacks = callbacks;
  } finally {
    anchor.remove();
  }
}

// The stylesheet of a component served by the dev server: one `<style data-egh>` per module,
// whose text a style-only edit replaces without touching the DOM.
export function hot_style(module_url, css) {
  const key = hot_key(module_url);
  let style = [...document.head.querySelectorAll('style[data-egh]')].find((s) => s.dataset.egh === key);
  if (!style && !css) return;
  if (!style) {
    style = document.createElement('style');
    style.dataset.egh = key;
    document.head.appendChild(style);
  }
  if (style.textContent !== css) style.textContent = css;
}

// `export const|function|class` of a component script: read-only properties of the instance.
export function expose(self, getters) {
  for (const [name, get] of Object.entries(getters)) {
    Object.defineProperty(self.instance, name, { get, configurable: true, enumerable: true });
  }
}

export function mount_component(block, parent, anchor, Ctor, props, deps, options) {
  const o = options || {};
  const host = new Set(); // slot blocks rendered from this parent's slot functions
  const initial = props ? props() : {};
  let child;
  try {
    child = new Ctor({
      target: parent, anchor, props: initial,
      $$: { parent: block.ctx, container: block, slots: o.slots, host, events: o.events, bind: o.bind },
    });
  } catch (e) {
    report(`<${(Ctor && Ctor.name) || 'unknown component'}> (while mounting)`, e);
    return null;
  }
  // bind:prop whose parent value differs (e.g. undefined): the child's value wins, as in Svelte.
  for (const [p, set] of Object.entries(o.bind || {})) {
    const v = child.$$.get_prop(p);
    if (v !== initial[p]) set(v);
  }
  block.items.push((dirty) => {
    if (props && hits(deps, dirty)) child.$set(props());
    for (const b of host) update_block(b, dirty); // slot content reads this (the parent's) state
  });
  block.cleanups.push(() => destroy_component(child.$$, false));
  return child;
}

export function slot(block, parent, anchor, self, name, props, deps, fallback) {
  const fn = self.slots && self.slots[name];
  if (typeof fn === 'function') {
    // ctx (context and depth for components in the slot content) is the component rendering
    // the <slot>, as in Svelte; updates come from the parent through `host`.
    const b = new_block(block.ctx, parent, anchor, block);
    fn(b, props ? props() : {});
    const host = self.host;
    if (host) host.add(b);
    block.items.push((dirty) => {
      if (props && hits(deps, dirty) && b.assign) {
        b.assign(props());
        update_block(b, new Set(b.names));
      }
    });
    block.cleanups.push(() => {
      if (host) host.delete(b);
      destroy_block(b, false);
    });
  } else if (fallback) {
    const b = new_block(block.ctx, parent, anchor, block);
    fallback(b);
    block.items.push((dirty) => update_block(b, dirty));
    block.cleanups.push(() => destroy_block(b, false));
  }
}

// ---------------------------------------------------------------- framework API

function current(fn) {
  if (!current_component) throw new Error(`[eghact] ${fn}() must be called while a component initializes`);
  return current_component;
}

export const onMount = (fn) => { current('onMount').on_mount.push(fn); };
export const onDestroy = (fn) => { current('onDestroy').on_destroy.push(fn); };
export const beforeUpdate = (fn) => { current('beforeUpdate').before_update.push(fn); };
export const afterUpdate = (fn) => { current('afterUpdate').after_update.push(fn); };
export const setContext = (key, value) => { current('setContext').context.set(key, value); return value; };
export const getContext = (key) => current('getContext').context.get(key);
export const hasContext = (key) => current('hasContext').context.has(key);
export const getAllContexts = () => new Map(current('getAllContexts').context);

export function tick() {
  schedule();
  return flush_promise;
}

export function createEventDispatcher() {
  const self = current('createEventDispatcher');
  return (name, detail, { cancelable = false } = {}) => {
    const list = self.callbacks[name];
    if (!list || !list.length) return true;
    const ev = new CustomEvent(name, { detail, cancelable });
    for (const fn of list.slice()) fn.call(self.instance, ev);
    return !ev.defaultPrevented;
  };
}

// ---------------------------------------------------------------- stores (Svelte 3 semantics)

function subscribe(store, run, invalidate) {
  if (store == null) return noop;
  const unsub = store.subscribe(run, invalidate);
  return unsub && unsub.unsubscribe ? () => unsub.unsubscribe() : unsub;
}

// A store that can only be read: the subscribe of `store`, nothing else (Svelte 3's readonly).
export function readonly(store) {
  return { subscribe: store.subscribe.bind(store) };
}

export function get(store) {
  let v;
  subscribe(store, (x) => (v = x))();
  return v;
}

// Shared queue so a change fanning out through derived stores notifies each subscriber once,
// after every dependent store has been marked stale (no glitches in diamonds).
const subscriber_queue = [];

export function writable(value, start = noop) {
  let stop = null;
  const subscribers = new Set();
  function set(v) {
    if (!safe_not_equal(value, v)) return;
    value = v;
    if (!stop) return;
    const run_queue = !subscriber_queue.length;
    for (const s of subscribers) {
      s[1]();
      subscriber_queue.push(s, value);
    }
    if (run_queue) {
      for (let i = 0; i < subscriber_queue.length; i += 2) subscriber_queue[i][0](subscriber_queue[i + 1]);
      subscriber_queue.length = 0;
    }
  }
  const update = (fn) => set(fn(value));
  function sub(run, invalidate = noop) {
    const s = [run, invalidate];
    subscribers.add(s);
    if (subscribers.size === 1) stop = start(set, update) || noop;
    run(value);
    return () => {
      subscribers.delete(s);
      if (subscribers.size === 0 && stop) {
        stop();
        stop = null;
      }
    };
  }
  return { set, update, subscribe: sub };
}

export function readable(value, start) {
  return { subscribe: writable(value, start).subscribe };
}

export function derived(stores, fn, initial) {
  const single = !Array.isArray(stores);
  const list = single ? [stores] : stores;
  const auto = fn.length < 2; // fn(values) returns the value; fn(values, set) sets it itself
  return readable(initial, (set) => {
    let started = false;
    let pending = 0;
    let cleanup = noop;
    const values = [];
    const sync = () => {
      if (pending) return;
      cleanup();
      const result = fn(single ? values[0] : values, set);
      if (auto) set(result);
      else cleanup = typeof result === 'function' ? result : noop;
    };
    const unsubs = list.map((s, i) => subscribe(s,
      (v) => { values[i] = v; pending &= ~(1 << i); if (started) sync(); },
      () => { pending |= 1 << i; }));
    started = true;
    sync();
    return () => {
      for (const u of unsubs) u();
      cleanup();
      started = false;
    };
  });
}

// Store middleware (the `middleware` export of @eghact/store). A middleware is a function
// `(next, prev, store) => value` (`store` is `{ name }`); createStore runs its list in order on
// every set/update. Returning `middleware.CANCEL` drops the change: no notification, no save.
const CANCEL = Symbol('eghact.middleware.cancel');

const show = (v) => { try { return JSON.stringify(v) ?? String(v); } catch { return String(v); } };

export const middleware = Object.freeze({
  CANCEL,
  /** Logs each change as `label: prev → next` (label defaults to the store's name). */
  logger({ label, log = console.log } = {}) {
    return (next, prev, store) => {
      log(`[eghact] ${label ?? store.name ?? 'store'}: ${show(prev)} → ${show(next)}`);
      return next;
    };
  },
  /** Replaces each new value with `fn(next, prev)`. */
  transform(fn) {
    return (next, prev) => fn(next, prev);
  },
  /** Keeps only values for which `check(next, prev)` is true; others are dropped (onReject is told). */
  validate(check, { onReject } = {}) {
    return (next, prev, store) => {
      if (check(next, prev)) return next;
      if (onReject) onReject(next, prev, store);
      return CANCEL;
    };
  },
  /** Numbers outside [min, max] are moved to the nearest bound. */
  clamp(min = -Infinity, max = Infinity) {
    return (next) => (typeof next === 'number' ? Math.min(max, Math.max(min, next)) : next);
  },
});

export function createStore(value, { name, persist = false, middleware: list = [] } = {}) {
  if (persist && !name) console.warn('[eghact] createStore: `persist` needs a `name` (the localStorage key)');
  const save = persist && name && typeof localStorage !== 'undefined';
  if (save) {
    try {
      const raw = localStorage.getItem(name);
      if (raw !== null) value = JSON.parse(raw);
    } catch { /* unreadable or corrupt: keep the initial value */ }
  }
  const store = writable(value);
  const info = Object.freeze({ name });
  let latest = value;
  const set = (next) => {
    for (const m of list) {
      next = m(next, latest, info);
      if (next === CANCEL) return;
    }
    latest = next;
    store.set(next);
    if (save) {
      try { localStorage.setItem(name, JSON.stringify(next)); } catch { /* quota or privacy mode */ }
    }
  };
  return { subscribe: store.subscribe, set, update: (fn) => set(fn(latest)) };
}

export function createSignal(value) {
  const store = writable(value);
  const read = () => value;
  read.subscribe = store.subscribe;
  const write = (next) => {
    value = typeof next === 'function' ? next(value) : next; // Solid-style updater
    store.set(value);
    return value;
  };
  return [read, write];
}

// ---------------------------------------------------------------- router

// The build writes a manifest for src/routes/ (eghact-routes.js) that lists each page as
// { id: "/users/[id]", segments: ["users", { param: "id" }], layouts: [load, ...], page: load }
// (outermost layout first, each `load` an `() => import(module)`), most specific first, plus a
// `fallback` { layouts, page | null } that shows unknown paths and failed loads.

function route_value(url, id, params) {
  return Object.freeze({ url, path: url.pathname, params: Object.freeze({ ...params }), id });
}

const route_store = writable(typeof location === 'undefined' ? null : route_value(new URL(location.href), null, {}));
/** `$route` in any component: { url, path, params, id } of the page shown (id null outside a route). */
export const route = { subscribe: route_store.subscribe };
let active_router = null;

function decode(part) {
  try { return decodeURIComponent(part); } catch { return part; }
}

// The route and params for `path` (relative to the router's base), or null. A trailing
// /index.html names its folder, as static servers treat it.
function match_route(routes, path) {
  const parts = path.replace(/\/index\.html$/, '/').split('/').filter(Boolean).map(decode);
  for (const r of routes) {
    if (r.segments.length !== parts.length) continue;
    const params = {};
    const same = r.segments.every((s, i) => (typeof s === 'string' ? s === parts[i] : ((params[s.param] = parts[i]), true)));
    if (same) return { route: r, params };
  }
  return null;
}

// Shown for unknown paths and failed loads when there is no src/routes/_error.egh.
const RouteError = component(($$self, $$props) => (b) => {
  const h = element('h1', null);
  h.textContent = str($$props.status);
  insert(b, h);
  const p = element('p', null);
  p.textContent = str($$props.error && $$props.error.message);
  insert(b, p);
}, { name: 'RouteError' });

/**
 * Renders the page for the current URL into `target` and keeps it in step with the History API:
 * same-origin links to known routes, back/forward and goto() navigate without reloading. Before
 * a page is shown, the `load(ctx)` exports of its layouts and of the page run, with
 * ctx = { params, fetch, url, route }; what each returns becomes its props (a page also gets
 * its layouts' data). A load that throws an error with a numeric `status` shows the fallback
 * with that status; any other error is reported and shows status 500.
 * Returns { goto, destroy, ready } (ready: the first navigation).
 */
export function createRouter({ routes, fallback = null, target, base = '' }) {
  if (!target) throw new Error('[eghact] createRouter({ target }) needs a target element');
  if (active_router) active_router.destroy();
  const root = base.replace(/\/$/, '');
  // What is shown, outermost layout first and the page last: { Ctor, props, instance, slot }.
  const levels = [];
  let token = 0;

  const local_path = (url) => {
    if (url.origin !== location.origin) return null;
    if (url.pathname !== root && !url.pathname.startsWith(root + '/')) return null;
    return url.pathname.slice(root.length) || '/';
  };

  // Mounts level i; its <slot /> (if any) mounts the next level, and unmounts it when the
  // slot goes away.
  function mount(i, parent, anchor, ctx) {
    const level = levels[i];
    const slots = {};
    if (i + 1 < levels.length) {
      slots.default = (b) => {
        level.slot = b;
        b.cleanups.push(() => {
          if (level.slot === b) level.slot = null;
          const inner = levels[i + 1];
          if (inner && inner.instance) {
            destroy_component(inner.instance.$$, false);
            inner.instance = null;
          }
        });
        try {
          mount(i + 1, b.end.parentNode, b.end, b.ctx);
        } catch (e) {
          report(`<${levels[i + 1].Ctor.name}> (route)`, e); // the layout still shows
        }
      };
    }
    level.instance = new level.Ctor({ target: parent, anchor, props: level.props, $$: { parent: ctx, slots } });
  }

  // Layouts that stay keep their state and get their new data; from the first level that
  // changes down, components are created anew (the page always is).
  function show(next) {
    let k = 0;
    while (k < levels.length && k < next.length - 1 && levels[k].Ctor === next[k].Ctor) k++;
    for (let i = 0; i < k; i++) {
      levels[i].props = next[i].props;
      if (levels[i].instance) levels[i].instance.$set(next[i].props);
    }
    if (levels[k] && levels[k].instance) destroy_component(levels[k].instance.$$, true);
    levels.splice(k, levels.length - k, ...next.slice(k).map(({ Ctor, props }) => ({ Ctor, props, instance: null, slot: null })));
    const host = k === 0 ? null : levels[k - 1].slot;
    try {
      if (k === 0) mount(0, target, null, null);
      else if (host && !host.dead) mount(k, host.end.parentNode, host.end, host.ctx);
    } catch (e) {
      report('router', e);
    }
  }

  // Imports the levels and runs their loads; `error` set: the last level is the error page.
  async function prepare(loaders, value, error) {
    const modules = await Promise.all(loaders.map((load) => load()));
    const ctx = { params: value.params, fetch: globalThis.fetch.bind(globalThis), url: value.url, route: value };
    const results = await Promise.all(modules.map(async (m, i) => {
      if (error && i === modules.length - 1) return { status: typeof error.status === 'number' ? error.status : 500, error };
      if (typeof m.load !== 'function') return {};
      try {
        return await m.load(ctx);
      } catch (e) {
        if (!error) throw e;
        report('load()', e); // a layout around an error page gets no data rather than hiding the error
        return {};
      }
    }));
    let data = {};
    return modules.map((m, i) => {
      const r = results[i];
      if (r && typeof r === 'object') data = { ...data, ...r };
      return { Ctor: m.default, props: data };
    });
  }

  async function navigate(url, history_mode) {
    const t = ++token;
    const path = local_path(url);
    const found = path == null ? null : match_route(routes, path);
    let value = route_value(url, found ? found.route.id : null, found ? found.params : {});
    let next;
    try {
      if (!found) throw Object.assign(new Error(`Not found: ${url.pathname}`), { status: 404 });
      next = await prepare([...found.route.layouts, found.route.page], value, null);
    } catch (error) {
      if (t !== token) return;
      if (!error || typeof error.status !== 'number') report(`load() of ${url.pathname}`, error);
      const page = fallback && fallback.page ? fallback.page : () => ({ default: RouteError });
      try {
        next = await prepare([...(fallback ? fallback.layouts : []), page], value, error || new Error('load() failed'));
      } catch (e) {
        report('error page', e);
        return;
      }
    }
    if (t !== token) return; // a later navigation won
    if (history_mode === 'push') history.pushState({}, '', url.href);
    if (history_mode === 'replace') history.replaceState({}, '', url.href);
    route_store.set(value);
    show(next);
    if (history_mode) {
      const anchor = url.hash && document.getElementById(decode(url.hash.slice(1)));
      if (anchor) anchor.scrollIntoView();
      else scrollTo(0, 0);
    }
  }

  function on_click(e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target instanceof Element ? e.target.closest('a[href]') : null;
    if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
    if ((a.getAttribute('rel') || '').split(/\s+/).includes('external')) return;
    const url = new URL(a.getAttribute('href'), document.baseURI);
    const path = local_path(url);
    if (path == null || !match_route(routes, path)) return; // not a page of ours: the browser loads it
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // an anchor here
    e.preventDefault();
    navigate(url, url.href === location.href ? 'replace' : 'push');
  }

  const on_popstate = () => navigate(new URL(location.href), null);
  document.addEventListener('click', on_click);
  addEventListener('popstate', on_popstate);

  const router = {
    /** Navigates to `href` (relative to the document); resolves once the page is shown. */
    goto(href, { replace = false } = {}) {
      const url = new URL(href, document.baseURI);
      if (local_path(url) == null) {
        location.assign(url.href);
        return Promise.resolve();
      }
      return navigate(url, replace ? 'replace' : 'push');
    },
    destroy() {
      token++;
      document.removeEventListener('click', on_click);
      removeEventListener('popstate', on_popstate);
      if (levels[0] && levels[0].instance) destroy_component(levels[0].instance.$$, true);
      levels.length = 0;
      if (active_router === router) active_router = null;
    },
    ready: null,
  };
  active_router = router;
  router.ready = navigate(new URL(location.href), null);
  return router;
}

/** Navigates with the running router (a full page load without one). */
export function goto(href, options) {
  if (active_router) return active_router.goto(href, options);
  location.assign(href);
  return Promise.resolve();
}

// ---------------------------------------------------------------- eghact/easing
// Robert Penner's easing functions, as Svelte's `svelte/easing` names them: t in [0, 1].

export const linear = (t) => t;
export const backIn = (t) => t * t * ((1.70158 + 1) * t - 1.70158);
export const backOut = (t) => {
  const s = 1.70158;
  return --t * t * ((s + 1) * t + s) + 1;
};
export const backInOut = (t) => {
  const s = 1.70158 * 1.525;
  if ((t *= 2) < 1) return 0.5 * (t * t * ((s + 1) * t - s));
  return 0.5 * ((t -= 2) * t * ((s + 1) * t + s) + 2);
};
export const bounceOut = (t) => {
  const a = 4.0 / 11.0;
  const b = 8.0 / 11.0;
  const c = 9.0 / 10.0;
  const t2 = t * t;
  if (t < a) return 7.5625 * t2;
  if (t < b) return 9.075 * t2 - 9.9 * t + 3.4;
  if (t < c) return (4356.0 / 361.0) * t2 - (35442.0 / 1805.0) * t + 16061.0 / 1805.0;
  return 10.8 * t * t - 20.52 * t + 10.72;
};
export const bounceIn = (t) => 1.0 - bounceOut(1.0 - t);
export const bounceInOut = (t) => (t < 0.5 ? 0.5 * (1.0 - bounceOut(1.0 - t * 2.0)) : 0.5 * bounceOut(t * 2.0 - 1.0) + 0.5);
export const circIn = (t) => 1.0 - Math.sqrt(1.0 - t * t);
export const circOut = (t) => Math.sqrt(1 - --t * t);
export const circInOut = (t) => ((t *= 2) < 1 ? -0.5 * (Math.sqrt(1 - t * t) - 1) : 0.5 * (Math.sqrt(1 - (t -= 2) * t) + 1));
export const cubicIn = (t) => t * t * t;
export const cubicOut = (t) => {
  const f = t - 1.0;
  return f * f * f + 1.0;
};
export const cubicInOut = (t) => (t < 0.5 ? 4.0 * t * t * t : 0.5 * Math.pow(2.0 * t - 2.0, 3.0) + 1.0);
export const elasticIn = (t) => Math.sin((13.0 * t * Math.PI) / 2) * Math.pow(2.0, 10.0 * (t - 1.0));
export const elasticOut = (t) => Math.sin((-13.0 * (t + 1.0) * Math.PI) / 2) * Math.pow(2.0, -10.0 * t) + 1.0;
export const elasticInOut = (t) =>
  t < 0.5
    ? 0.5 * Math.sin(((+13.0 * Math.PI) / 2) * 2.0 * t) * Math.pow(2.0, 10.0 * (2.0 * t - 1.0))
    : 0.5 * Math.sin(((-13.0 * Math.PI) / 2) * (2.0 * t - 1.0 + 1.0)) * Math.pow(2.0, -10.0 * (2.0 * t - 1.0)) + 1.0;
export const expoIn = (t) => (t === 0.0 ? t : Math.pow(2.0, 10.0 * (t - 1.0)));
export const expoOut = (t) => (t === 1.0 ? t : 1.0 - Math.pow(2.0, -10.0 * t));
export const expoInOut = (t) =>
  t === 0.0 || t === 1.0 ? t : t < 0.5 ? +0.5 * Math.pow(2.0, 20.0 * t - 10.0) : -0.5 * Math.pow(2.0, 10.0 - t * 20.0) + 1.0;
export const quadIn = (t) => t * t;
export const quadOut = (t) => -t * (t - 2.0);
export const quadInOut = (t) => ((t /= 0.5) < 1 ? 0.5 * t * t : -0.5 * (--t * (t - 2) - 1));
export const quartIn = (t) => Math.pow(t, 4.0);
export const quartOut = (t) => Math.pow(t - 1.0, 3.0) * (1.0 - t) + 1.0;
export const quartInOut = (t) => (t < 0.5 ? +8.0 * Math.pow(t, 4.0) : -8.0 * Math.pow(t - 1.0, 4.0) + 1.0);
export const quintIn = (t) => t * t * t * t * t;
export const quintOut = (t) => --t * t * t * t * t + 1;
export const quintInOut = (t) => ((t *= 2) < 1 ? 0.5 * t * t * t * t * t : 0.5 * ((t -= 2) * t * t * t * t + 2));
export const sineIn = (t) => {
  const v = Math.cos(t * Math.PI * 0.5);
  return Math.abs(v) < 1e-14 ? 1 : 1 - v;
};
export const sineOut = (t) => Math.sin((t * Math.PI) / 2);
export const sineInOut = (t) => -0.5 * (Math.cos(Math.PI * t) - 1);

// ---------------------------------------------------------------- eghact/transition
// Each answers the config a transition directive plays: { delay, duration, easing, css, tick }.

// A length written as a number (pixels) or a string with its unit (`'2rem'`).
function length(value) {
  const m = typeof value === 'string' && value.match(/^\s*(-?[\d.]+)(.*)$/);
  return m ? [parseFloat(m[1]), m[2].trim() || 'px'] : [+value || 0, 'px'];
}

const own_transform = (style) => (style.transform === 'none' ? '' : style.transform);

export function fade(node, { delay = 0, duration = 400, easing = linear } = {}) {
  const opacity = +getComputedStyle(node).opacity;
  return { delay, duration, easing, css: (t) => `opacity: ${t * opacity}` };
}

export function blur(node, { delay = 0, duration = 400, easing = cubicInOut, amount = 5, opacity = 0 } = {}) {
  const style = getComputedStyle(node);
  const target = +style.opacity;
  const filter = style.filter === 'none' ? '' : style.filter;
  const od = target * (1 - opacity);
  const [value, unit] = length(amount);
  return {
    delay, duration, easing,
    css: (_t, u) => `opacity: ${target - od * u}; filter: ${filter} blur(${u * value}${unit});`,
  };
}

export function fly(node, { delay = 0, duration = 400, easing = cubicOut, x = 0, y = 0, opacity = 0 } = {}) {
  const style = getComputedStyle(node);
  const target = +style.opacity;
  const transform = own_transform(style);
  const od = target * (1 - opacity);
  const [xv, xu] = length(x);
  const [yv, yu] = length(y);
  return {
    delay, duration, easing,
    css: (t, u) => `transform: ${transform} translate(${(1 - t) * xv}${xu}, ${(1 - t) * yv}${yu}); opacity: ${target - od * u}`,
  };
}

export function slide(node, { delay = 0, duration = 400, easing = cubicOut, axis = 'y' } = {}) {
  const style = getComputedStyle(node);
  const opacity = +style.opacity;
  const [size, a, b] = axis === 'y' ? ['height', 'top', 'bottom'] : ['width', 'left', 'right'];
  const value = (name) => parseFloat(style[name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())]) || 0;
  const sized = [size, `padding-${a}`, `padding-${b}`, `margin-${a}`, `margin-${b}`, `border-${a}-width`, `border-${b}-width`].map(
    (name) => [name, value(name)],
  );
  return {
    delay, duration, easing,
    css: (t) =>
      `overflow: hidden; opacity: ${Math.min(t * 20, 1) * opacity}; ` + sized.map(([name, v]) => `${name}: ${t * v}px;`).join(' '),
  };
}

export function scale(node, { delay = 0, duration = 400, easing = cubicOut, start = 0, opacity = 0 } = {}) {
  const style = getComputedStyle(node);
  const target = +style.opacity;
  const transform = own_transform(style);
  const sd = 1 - start;
  const od = target * (1 - opacity);
  return {
    delay, duration, easing,
    css: (_t, u) => `transform: ${transform} scale(${1 - sd * u}); opacity: ${target - od * u}`,
  };
}

export function draw(node, { delay = 0, speed, duration, easing = cubicInOut } = {}) {
  let len = node.getTotalLength();
  const style = getComputedStyle(node);
  if (style.strokeLinecap !== 'butt') len += parseInt(style.strokeWidth, 10) || 0;
  if (duration === undefined) duration = speed === undefined ? 800 : len / speed;
  else if (typeof duration === 'function') duration = duration(len);
  return { delay, duration, easing, css: (t, u) => `stroke-dasharray: ${t * len} ${u * len}` };
}

// [send, receive]: an element sent with a key moves to where the element received with the
// same key is (and the other way round); without a counterpart, `fallback` plays.
export function crossfade({ fallback, ...defaults } = {}) {
  const to_receive = new Map();
  const to_send = new Map();
  function config(from, node, params) {
    const { delay = 0, duration = (d) => Math.sqrt(d) * 30, easing = cubicOut } = { ...defaults, ...params };
    const to = node.getBoundingClientRect();
    const dx = from.left - to.left;
    const dy = from.top - to.top;
    const dw = from.width / to.width;
    const dh = from.height / to.height;
    const d = Math.sqrt(dx * dx + dy * dy);
    const style = getComputedStyle(node);
    const transform = own_transform(style);
    const opacity = +style.opacity;
    return {
      delay, easing,
      duration: typeof duration === 'function' ? duration(d) : duration,
      css: (t, u) =>
        `opacity: ${t * opacity}; transform-origin: top left; ` +
        `transform: ${transform} translate(${u * dx}px,${u * dy}px) scale(${t + (1 - t) * dw}, ${t + (1 - t) * dh});`,
    };
  }
  const half = (items, counterparts, intro) => (node, params) => {
    items.set(params.key, node.getBoundingClientRect());
    return () => {
      if (counterparts.has(params.key)) {
        const rect = counterparts.get(params.key);
        counterparts.delete(params.key);
        return config(rect, node, params);
      }
      items.delete(params.key);
      return fallback && fallback(node, params, intro);
    };
  };
  return [half(to_send, to_receive, false), half(to_receive, to_send, true)];
}

// ---------------------------------------------------------------- eghact/animate

export function flip(node, { from, to }, params = {}) {
  const style = getComputedStyle(node);
  const transform = own_transform(style);
  const [ox, oy] = style.transformOrigin.split(' ').map(parseFloat);
  const dx = from.left + (from.width * ox) / to.width - (to.left + ox);
  const dy = from.top + (from.height * oy) / to.height - (to.top + oy);
  const { delay = 0, duration = (d) => Math.sqrt(d) * 120, easing = cubicOut } = params;
  return {
    delay, easing,
    duration: typeof duration === 'function' ? duration(Math.sqrt(dx * dx + dy * dy)) : duration,
    css: (t, u) =>
      `transform: ${transform} translate(${u * dx}px, ${u * dy}px) scale(${t + (u * from.width) / to.width}, ${t + (u * from.height) / to.height});`,
  };
}

// ---------------------------------------------------------------- eghact/motion

// Calls `step(now)` every animation frame until it answers false; resolves then.
function frames(step) {
  return new Promise((resolve) => {
    const frame = (now) => (step(now) ? requestAnimationFrame(frame) : resolve());
    requestAnimationFrame(frame);
  });
}

function interpolator(a, b) {
  if (a === b || a !== a) return () => a;
  const type = typeof a;
  if (type !== typeof b || Array.isArray(a) !== Array.isArray(b)) throw new Error('Cannot interpolate values of different type');
  if (Array.isArray(a)) {
    const parts = b.map((bi, i) => interpolator(a[i], bi));
    return (t) => parts.map((fn) => fn(t));
  }
  if (type === 'object') {
    if (!a || !b) throw new Error('Object cannot be null');
    if (a instanceof Date && b instanceof Date) {
      const from = a.getTime();
      const delta = b.getTime() - from;
      return (t) => new Date(from + t * delta);
    }
    const parts = Object.fromEntries(Object.keys(b).map((k) => [k, interpolator(a[k], b[k])]));
    return (t) => Object.fromEntries(Object.keys(parts).map((k) => [k, parts[k](t)]));
  }
  if (type === 'number') {
    const delta = b - a;
    return (t) => a + t * delta;
  }
  throw new Error(`Cannot interpolate ${type} values`);
}

// A store whose `set(value, options)` moves to the value over `duration`; answers a promise
// that resolves when it gets there (at once when nothing moves).
export function tweened(value, defaults = {}) {
  const store = writable(value);
  let target = value;
  let token = 0;
  function set(next, options) {
    if (value == null) {
      store.set((value = next));
      target = next;
      return Promise.resolve();
    }
    target = next;
    const mine = ++token;
    const { delay = 0, duration = 400, easing = linear, interpolate = interpolator } = { ...defaults, ...options };
    const span = typeof duration === 'function' ? duration(value, next) : duration;
    if (span === 0) {
      store.set((value = next));
      return Promise.resolve();
    }
    let fn = null;
    let start = null;
    const origin = value;
    return frames((now) => {
      if (mine !== token) return false;
      if (start === null) start = now + delay;
      if (now < start) return true;
      if (!fn) fn = interpolate(origin, next);
      const elapsed = now - start;
      if (elapsed >= span) {
        store.set((value = next));
        return false;
      }
      store.set((value = fn(easing(elapsed / span))));
      return true;
    });
  }
  return { set, update: (fn, options) => set(fn(target, value), options), subscribe: store.subscribe };
}

function spring_step(ctx, last, current, target) {
  if (typeof current === 'number' || current instanceof Date) {
    const delta = target - current;
    const velocity = (current - last) / (ctx.dt || 1 / 60);
    const force = ctx.opts.stiffness * delta;
    const damper = ctx.opts.damping * velocity;
    const acceleration = (force - damper) * ctx.inv_mass;
    const d = (velocity + acceleration) * ctx.dt;
    if (Math.abs(d) < ctx.opts.precision && Math.abs(delta) < ctx.opts.precision) return target;
    ctx.settled = false;
    return current instanceof Date ? new Date(current.getTime() + d) : current + d;
  }
  if (Array.isArray(current)) return current.map((_, i) => spring_step(ctx, last[i], current[i], target[i]));
  if (current && typeof current === 'object') {
    const next = {};
    for (const k in current) next[k] = spring_step(ctx, last[k], current[k], target[k]);
    return next;
  }
  throw new Error(`Cannot spring ${typeof current} values`);
}

// A store that follows `set(value)` like a spring: `stiffness`, `damping` and `precision`
// can be changed on the store; `{ hard: true }` jumps, `{ soft: true | seconds }` eases in.
export function spring(value, { stiffness = 0.15, damping = 0.8, precision = 0.01 } = {}) {
  const store = writable(value);
  let last = value;
  let target = value;
  let inv_mass = 1;
  let recovery = 0;
  let running = null;
  let last_time = 0;
  let cancel_task = false;
  const s = {
    stiffness, damping, precision,
    set(next, options = {}) {
      target = next;
      if (value == null || options.hard || (s.stiffness >= 1 && s.damping >= 1)) {
        cancel_task = true;
        last_time = performance.now();
        last = next;
        store.set((value = target));
        return Promise.resolve();
      }
      if (options.soft) {
        recovery = 1 / ((options.soft === true ? 0.5 : +options.soft) * 60);
        inv_mass = 0;
      }
      if (!running) {
        last_time = performance.now();
        cancel_task = false;
        running = frames((now) => {
          if (cancel_task) {
            cancel_task = false;
            running = null;
            return false;
          }
          inv_mass = Math.min(inv_mass + recovery, 1);
          const ctx = { inv_mass, opts: s, settled: true, dt: ((now - last_time) * 60) / 1000 };
          const next_value = spring_step(ctx, last, value, target);
          last_time = now;
          last = value;
          store.set((value = next_value));
          if (ctx.settled) running = null;
          return !ctx.settled;
        });
      }
      const mine = running;
      return new Promise((resolve) => mine.then(resolve));
    },
    update: (fn, options) => s.set(fn(target, value), options),
    subscribe: store.subscribe,
  };
  return s;
}

// What `import * as name from 'eghact/…'` reads in a component (the runtime is one module).
export const $$easing = { linear, backIn, backOut, backInOut, bounceIn, bounceOut, bounceInOut, circIn, circOut, circInOut, cubicIn, cubicOut, cubicInOut, elasticIn, elasticOut, elasticInOut, expoIn, expoOut, expoInOut, quadIn, quadOut, quadInOut, quartIn, quartOut, quartInOut, quintIn, quintOut, quintInOut, sineIn, sineOut, sineInOut };
export const $$transition = { fade, blur, fly, slide, scale, draw, crossfade };
export const $$animate = { flip };
export const $$motion = { tweened, spring };
