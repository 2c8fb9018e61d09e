// The tests of routes.test.mjs on the production bundle (`eghact build --release`).
process.env.EGHACT_BROWSER_MODE = 'bundle';
await import('./routes.test.mjs');
