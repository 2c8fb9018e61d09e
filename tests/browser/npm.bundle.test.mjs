// The tests of npm.test.mjs on the production bundle (`eghact build --release`).
process.env.EGHACT_BROWSER_MODE = 'bundle';
await import('./npm.test.mjs');
