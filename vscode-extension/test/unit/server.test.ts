import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { LocateInput, RestartPolicy } from '../../src/server';
import { initializationOptions, locateServer, nextRestart } from '../../src/server';

/** A machine with exactly the executables listed. */
function input(executables: string[], overrides: Partial<LocateInput> = {}): LocateInput {
  return {
    configured: '',
    extensionPath: '/ext',
    workspaceFolder: '/work/app',
    homeDir: '/home/me',
    platform: 'linux',
    arch: 'x64',
    pathEnv: '/usr/local/bin:/usr/bin',
    isExecutable: (file) => executables.includes(file),
    ...overrides,
  };
}

describe('locateServer', () => {
  test('prefers the setting over a bundled binary and PATH', () => {
    const found = locateServer(input(['/opt/eghact-lsp', '/ext/bin/linux-x64/eghact-lsp', '/usr/bin/eghact-lsp'], { configured: '/opt/eghact-lsp' }));
    assert.deepEqual(found, { path: '/opt/eghact-lsp', source: 'setting' });
  });

  test('expands ~ and resolves a relative setting against the workspace folder', () => {
    assert.deepEqual(locateServer(input(['/home/me/bin/eghact-lsp'], { configured: '~/bin/eghact-lsp' })), {
      path: '/home/me/bin/eghact-lsp',
      source: 'setting',
    });
    assert.deepEqual(locateServer(input(['/work/app/target/debug/eghact-lsp'], { configured: './target/debug/eghact-lsp' })), {
      path: '/work/app/target/debug/eghact-lsp',
      source: 'setting',
    });
  });

  test('looks a bare name in the setting up on PATH', () => {
    assert.deepEqual(locateServer(input(['/usr/bin/eghact-lsp-nightly'], { configured: 'eghact-lsp-nightly' })), {
      path: '/usr/bin/eghact-lsp-nightly',
      source: 'setting',
    });
  });

  test('reports a wrong setting instead of falling back to another binary', () => {
    const found = locateServer(input(['/usr/bin/eghact-lsp'], { configured: '/nowhere/eghact-lsp' }));
    assert.ok('error' in found);
    assert.match(found.error, /eghact\.server\.path is "\/nowhere\/eghact-lsp", which is not an executable file/);
  });

  test('uses the binary bundled for the platform before PATH', () => {
    const found = locateServer(input(['/ext/bin/darwin-arm64/eghact-lsp', '/usr/bin/eghact-lsp'], { platform: 'darwin', arch: 'arm64' }));
    assert.deepEqual(found, { path: '/ext/bin/darwin-arm64/eghact-lsp', source: 'bundled' });
  });

  test('ignores a binary bundled for another platform and searches PATH in order', () => {
    const found = locateServer(input(['/ext/bin/darwin-arm64/eghact-lsp', '/usr/local/bin/eghact-lsp', '/usr/bin/eghact-lsp']));
    assert.deepEqual(found, { path: '/usr/local/bin/eghact-lsp', source: 'PATH' });
  });

  test('adds .exe and uses Windows paths on Windows', () => {
    const windows = { platform: 'win32' as const, extensionPath: 'C:\\ext', pathEnv: 'C:\\tools;C:\\bin', homeDir: 'C:\\Users\\me', workspaceFolder: 'C:\\app' };
    assert.deepEqual(locateServer(input(['C:\\ext\\bin\\win32-x64\\eghact-lsp.exe'], windows)), {
      path: 'C:\\ext\\bin\\win32-x64\\eghact-lsp.exe',
      source: 'bundled',
    });
    assert.deepEqual(locateServer(input(['C:\\bin\\eghact-lsp.exe'], windows)), { path: 'C:\\bin\\eghact-lsp.exe', source: 'PATH' });
  });

  test('says what to do when there is no server at all', () => {
    const found = locateServer(input([], { pathEnv: undefined }));
    assert.ok('error' in found);
    assert.match(found.error, /no binary is bundled for linux-x64 and none is on PATH/);
    assert.match(found.error, /eghact\.server\.path/);
  });
});

describe('nextRestart', () => {
  const policy: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 5000, maxRestarts: 4, windowMs: 60_000 };

  test('doubles the delay on each crash within the window, up to the maximum', () => {
    let crashes: number[] = [];
    const delays: number[] = [];
    for (const now of [0, 1000, 2000, 3000]) {
      const decision = nextRestart(crashes, now, policy);
      assert.equal(decision.restart, true);
      if (decision.restart) {
        assert.equal(decision.attempt, delays.length + 1);
        delays.push(decision.delayMs);
      }
      crashes = decision.crashes;
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 5000]);
  });

  test('gives up after the allowed number of restarts within the window', () => {
    const decision = nextRestart([0, 1000, 2000, 3000], 4000, policy);
    assert.deepEqual(decision, { restart: false, crashes: [0, 1000, 2000, 3000, 4000] });
  });

  test('forgets crashes older than the window', () => {
    const decision = nextRestart([0, 1000, 2000, 3000], 62_000, policy);
    assert.deepEqual(decision, { restart: true, delayMs: 2000, attempt: 2, crashes: [3000, 62_000] });
  });
});

describe('initializationOptions', () => {
  test('carries the remote and GPU settings, with no endpoint as null', () => {
    assert.deepEqual(initializationOptions({ remoteMode: 'always', remoteEndpoint: ' https://build.example:8443 ', gpu: 'off' }), {
      remote: { mode: 'always', endpoint: 'https://build.example:8443' },
      gpu: 'off',
    });
    assert.deepEqual(initializationOptions({ remoteMode: 'auto', remoteEndpoint: '', gpu: 'auto' }), {
      remote: { mode: 'auto', endpoint: null },
      gpu: 'auto',
    });
  });
});
