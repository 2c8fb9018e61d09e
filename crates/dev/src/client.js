// The Eghact dev server's client: the page loads it first (the server adds it to index.html).
// It listens on the WebSocket /@eghact/hmr and does what each message says (docs/dev-server.md):
// imports a replaced component again (its runtime re-mounts the live instances in place),
// swaps a component's stylesheet, reloads the page, or shows the compile errors in an overlay.
// Messages are handled one at a time, in order; an update older than one already applied to
// the same module is skipped, so that a burst of saves ends on the last one.

const applied = new Map(); // module URL -> the newest timestamp imported
let queue = Promise.resolve();

function reload(reason) {
  console.info(`[eghact] reloading the page: ${reason}`);
  location.reload();
}

async function update(updates) {
  for (const { path, url, timestamp } of updates) {
    if ((applied.get(url) || 0) >= timestamp) continue;
    applied.set(url, timestamp);
    try {
      await import(`${url}?t=${timestamp}`);
      console.debug(`[eghact] hot updated ${path}`);
    } catch (error) {
      console.error(error);
      reload(`${path} could not be replaced in place (${error && error.message})`);
      return;
    }
  }
}

// The runtime's `hot_style` keeps one <style data-egh> per module, named by its URL.
function style(url, css) {
  const key = new URL(url, location.href).href;
  for (const element of document.head.querySelectorAll('style[data-egh]')) {
    if (element.dataset.egh === key) element.textContent = css;
  }
}

// ---------------------------------------------------------------- the error overlay

const OVERLAY = 'eghact-error-overlay';

class ErrorOverlay extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>
      :host { position: fixed; inset: 0; z-index: 2147483647; background: rgba(0, 0, 0, 0.66);
        overflow: auto; font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
      .window { max-width: 960px; margin: 40px auto; padding: 20px 24px; background: #181818; color: #eee;
        border-top: 6px solid #e5484d; border-radius: 6px; box-shadow: 0 8px 32px rgba(0, 0, 0, 0.4); }
      .error + .error { margin-top: 24px; padding-top: 16px; border-top: 1px solid #333; }
      .title { color: #ff8a8a; font-weight: bold; white-space: pre-wrap; }
      .code { color: #ffb86c; margin-right: 8px; }
      a { color: #8ab4ff; }
      pre { margin: 8px 0 0; padding: 12px; background: #0f0f0f; border-radius: 4px; overflow: auto; color: #ddd; }
      .tip { margin-top: 16px; color: #999; font-size: 12px; }
    </style><div class="window"></div>`;
    root.querySelector('.window').addEventListener('click', (event) => {
      const link = event.target.closest('a[data-open]');
      if (!link) return;
      event.preventDefault();
      fetch(link.dataset.open).catch(() => {});
    });
  }

  show(errors) {
    const window_ = this.shadowRoot.querySelector('.window');
    window_.replaceChildren();
    for (const error of errors) {
      const item = document.createElement('div');
      item.className = 'error';
      item.dataset.testid = 'eghact-error';
      const title = document.createElement('div');
      title.className = 'title';
      const code = document.createElement('span');
      code.className = 'code';
      code.textContent = `error[${error.code}]`;
      title.append(code, error.message);
      const place = document.createElement('div');
      const link = document.createElement('a');
      link.href = error.editorUrl;
      link.dataset.open = error.openUrl;
      link.textContent = `${error.path}:${error.line}:${error.column}`;
      link.title = 'Open in the editor';
      place.append(link);
      const frame = document.createElement('pre');
      frame.textContent = error.frame;
      item.append(title, place, frame);
      window_.append(item);
    }
    const tip = document.createElement('div');
    tip.className = 'tip';
    tip.textContent = 'The page keeps running the last good version; the next good save closes this.';
    window_.append(tip);
  }
}

if (!customElements.get(OVERLAY)) customElements.define(OVERLAY, ErrorOverlay);

function errors(list) {
  document.querySelectorAll(OVERLAY).forEach((element) => element.remove());
  if (!list.length) return;
  for (const error of list) console.error(`[eghact] ${error.frame}`);
  const overlay = document.createElement(OVERLAY);
  overlay.show(list);
  document.body.append(overlay);
}

// ---------------------------------------------------------------- the socket

function handle(message) {
  switch (message.type) {
    case 'connected':
      console.debug('[eghact] connected to the dev server');
      return;
    case 'update':
      return update(message.updates);
    case 'style':
      return style(message.url, message.css);
    case 'reload':
      return reload(message.reason);
    case 'errors':
      return errors(message.errors);
    default:
      console.warn('[eghact] unknown message from the dev server', message);
  }
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/@eghact/hmr`);
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    queue = queue.then(() => handle(message)).catch((error) => console.error('[eghact]', error));
  });
  socket.addEventListener('close', async () => {
    console.info('[eghact] lost the dev server; the page reloads when it is back');
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      try {
        await fetch('/@eghact/client.js', { cache: 'no-store' });
        location.reload();
        return;
      } catch {
        // still gone
      }
    }
  });
}

window.__eghact_dev = true;
connect();
