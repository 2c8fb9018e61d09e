// The tests of app.test.mjs on the production bundle (`eghact build --release`).
process.env.EGHACT_BROWSER_MODE = 'bundle';
await import('./app.test.mjs');
