/**
 * The extension as VS Code would run it, minus VS Code: the real vscode-languageclient under a
 * fake `vscode` module, talking over stdio to a fake server (`test/support/fake-server.ts`).
 */

import '../support/register';

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import * as vscode from '../support/vscode';
import { start } from '../../src/extension';
import type { Session } from '../../src/client';
import type { RestartPolicy } from '../../src/server';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
const slow: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 1000, maxRestarts: 5, windowMs: 60_000 };

let folder: string;
let serverPath: string;
interface Activated {
  session: Session;
  item: vscode.FakeStatusBarItem;
  close(): Promise<void>;
}

let running: Activated | undefined;

before(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'eghact-vscode-'));
  serverPath = path.join(folder, 'eghact-lsp');
  const script = path.join(__dirname, '../support/fake-server.js');
  fs.writeFileSync(serverPath, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`, { mode: 0o755 });
});

after(() => fs.rmSync(folder, { recursive: true, force: true }));

afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** Activates the extension with these settings; `answers` are the buttons the user will click. */
async function activate(settings: Record<string, unknown> = {}, policy: RestartPolicy = slow, answers: string[] = []): Promise<Activated> {
  vscode.reset();
  vscode.recorded.answers.push(...answers);
  Object.assign(vscode.recorded.settings, { 'eghact.server.path': serverPath, ...settings });
  const context = { extensionPath: folder, subscriptions: [] as { dispose(): unknown }[] };
  const extension = await start(context as never, policy);
  running = {
    session: extension.session,
    item: vscode.recorded.statusItems[0],
    async close() {
      await extension.session.stop();
      context.subscriptions.forEach((subscription) => subscription.dispose());
    },
  };
  return running;
}

async function until(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What the fake server received in `initialize`, and its process id. */
async function serverState(session: Session) {
  const client = session.running;
  assert.ok(client, 'the server is running');
  return (await client.sendRequest('test/initialize')) as { initialize: { initializationOptions: unknown; capabilities: { window?: { workDoneProgress?: boolean } } }; pid: number };
}

describe('the extension with a fake server', () => {
  test('starts the server with the settings as initializationOptions and shows indexing progress', async () => {
    const { session, item } = await activate({ 'eghact.remote.mode': 'always', 'eghact.remote.endpoint': 'https://build.example', 'eghact.gpu': 'off' });
    await until('the server to run', () => session.running !== undefined);
    const { initialize } = await serverState(session);
    assert.deepEqual(initialize.initializationOptions, { remote: { mode: 'always', endpoint: 'https://build.example' }, gpu: 'off' });
    assert.equal(initialize.capabilities.window?.workDoneProgress, true);
    await until('indexing to end', () => item.history.includes('$(loading~spin) Eghact: indexing 50%') && item.text === '$(check) Eghact');
    assert.equal(item.history[0], '$(loading~spin) Eghact');
    assert.equal(item.command, 'eghact.showOutput');
    assert.match(vscode.recorded.channels.get('Eghact')!.join('\n'), /Starting .*eghact-lsp \(eghact\.server\.path\)/);
  });

  test('registers every command the manifest declares, and the status item shows the output', async () => {
    const { session, item } = await activate();
    await until('the server to run', () => session.running !== undefined);
    const declared = manifest.contributes.commands.map((command: { command: string }) => command.command).sort();
    assert.deepEqual([...vscode.recorded.commands.keys()].sort(), declared);
    await vscode.commands.executeCommand(item.command!);
    assert.deepEqual(vscode.recorded.shownChannels, ['Eghact']);
  });

  test('Build Workspace drives the status bar and the build summary document', async () => {
    const { session, item } = await activate();
    await until('the server to run', () => session.running !== undefined);
    await vscode.commands.executeCommand('eghact.buildWorkspace');
    await until('the build result', () => item.text === '$(check) Eghact: 0 errors · 50% cached · 42 ms');
    assert.ok(item.history.includes('$(sync~spin) Eghact: building 1/2 (local)'), item.history.join('\n'));
    assert.deepEqual(vscode.recorded.messages, []);

    await vscode.commands.executeCommand('eghact.showBuildSummary');
    const [shown] = vscode.recorded.shownDocuments;
    assert.equal(shown.uri.toString(), 'eghact-build:/Eghact%20Build%20Summary.md');
    assert.match(shown.text, /\| 2 \| 1 \| 1 \| 0 \| 0 \| 0 \| 42 ms \|/);
    assert.match(shown.text, /- `src\/App\.egh`: compiled\n- `src\/Counter\.egh`: hit/);
  });

  test('a build with errors offers the Problems panel; a failed build shows its error', async () => {
    const { session, item } = await activate();
    await until('the server to run', () => session.running !== undefined);
    await session.running!.sendRequest('test/nextBuild', { version: 1, files: 2, unchanged: 0, hits: 0, misses: 2, remote: 0, errors: 2, warnings: 0, elapsedMs: 5 });
    vscode.recorded.answers.push('Show Problems');
    await vscode.commands.executeCommand('eghact.buildWorkspace');
    assert.deepEqual(vscode.recorded.messages, [{ level: 'warning', text: 'Eghact: the build found 2 errors.', actions: ['Show Problems'] }]);
    assert.ok(vscode.recorded.executed.some((command) => command.id === 'workbench.actions.view.problems'));
    await until('the error result', () => item.text === '$(error) Eghact: 2 errors · 0% cached · 5 ms');
    assert.equal((item.backgroundColor as vscode.ThemeColor).id, 'statusBarItem.errorBackground');

    await session.running!.sendRequest('test/nextBuild', { error: 'no workspace' });
    await vscode.commands.executeCommand('eghact.buildWorkspace');
    assert.equal(vscode.recorded.messages[1].text, 'Eghact: the build failed: no workspace');
    await until('the failure', () => item.text === '$(error) Eghact: build failed');
  });

  test('Build Current File builds the active .egh file and explains what it cannot build', async () => {
    const { session, item } = await activate();
    await until('the server to run', () => session.running !== undefined);
    await vscode.commands.executeCommand('eghact.buildFile');
    assert.equal(vscode.recorded.messages[0].text, 'Eghact: open an .egh file to build it.');

    vscode.window.activeTextEditor = { document: { uri: vscode.Uri.file('/work/app/src/App.egh'), languageId: 'eghact' } };
    await vscode.commands.executeCommand('eghact.buildFile');
    await until('the file build', () => item.history.includes('$(sync~spin) Eghact: building 1/1 (local)') && item.text.startsWith('$(check) Eghact: 0 errors'));

    vscode.window.activeTextEditor = { document: { uri: vscode.Uri.parse('untitled:Untitled-1'), languageId: 'eghact' } };
    await vscode.commands.executeCommand('eghact.buildFile');
    assert.equal(vscode.recorded.messages[1].text, 'Eghact: the build failed: untitled:Untitled-1 is not in the workspace');
  });

  test('restarts a crashed server with a growing delay, gives up at the limit, and Restart Server brings it back', async () => {
    const policy: RestartPolicy = { baseDelayMs: 20, maxDelayMs: 30, maxRestarts: 2, windowMs: 60_000 };
    const { session, item } = await activate({}, policy);
    await until('the server to run', () => session.running !== undefined);
    const pids = [(await serverState(session)).pid];
    for (const attempt of [1, 2]) {
      await session.running!.sendNotification('test/crash');
      await until(`restart ${attempt}`, () => vscode.recorded.messages.length === attempt);
      await until(`the server to run again (${attempt})`, () => session.running !== undefined);
      pids.push((await serverState(session)).pid);
    }
    assert.deepEqual(
      vscode.recorded.messages.map((message) => message.text),
      [
        'The Eghact language server stopped unexpectedly; restarting in 20 ms (attempt 1 of 2).',
        'The Eghact language server stopped unexpectedly; restarting in 30 ms (attempt 2 of 2).',
      ],
    );
    assert.equal(new Set(pids).size, 3, 'each restart is a new process');
    assert.ok(item.history.includes('$(sync~spin) Eghact: restarting'));

    await session.running!.sendNotification('test/crash');
    await until('the client to give up', () => item.text === '$(error) Eghact: stopped');
    assert.deepEqual(vscode.recorded.messages[2], {
      level: 'error',
      text: 'The Eghact language server crashed 3 times in 1 minutes and was not restarted.',
      actions: ['Restart Server', 'Show Output'],
    });
    assert.equal(session.running, undefined);

    await vscode.commands.executeCommand('eghact.restartServer');
    await until('the server to run after Restart Server', () => session.running !== undefined);
    assert.ok(!pids.includes((await serverState(session)).pid));
  });

  test('a missing server stops with a way to the setting, and builds say the server is not running', async () => {
    const { item } = await activate({ 'eghact.server.path': path.join(folder, 'missing', 'eghact-lsp') }, slow, ['Open Settings']);
    assert.equal(item.text, '$(error) Eghact: stopped');
    assert.match(vscode.recorded.messages[0].text, /eghact\.server\.path is ".*missing\/eghact-lsp", which is not an executable file/);
    await until('the settings to open', () => vscode.recorded.executed.some((command) => command.id === 'workbench.action.openSettings'));
    assert.deepEqual(vscode.recorded.executed.find((command) => command.id === 'workbench.action.openSettings')?.args, ['eghact.server.path']);

    await vscode.commands.executeCommand('eghact.buildWorkspace');
    assert.deepEqual(vscode.recorded.messages[1], { level: 'error', text: 'Eghact: the language server is not running.', actions: ['Restart Server'] });
  });

  test('the esbuild bundle that the package ships activates and builds like the sources', async () => {
    vscode.reset();
    vscode.recorded.settings['eghact.server.path'] = serverPath;
    const bundle: { activate(context: unknown): Promise<void>; deactivate(): Promise<void> } = require('../../../dist/extension.js');
    const context = { extensionPath: folder, subscriptions: [] as { dispose(): unknown }[] };
    try {
      await bundle.activate(context);
      const item = vscode.recorded.statusItems[0];
      await until('the server to be ready', () => item.text === '$(check) Eghact');
      await vscode.commands.executeCommand('eghact.buildWorkspace');
      await until('the build result', () => item.text === '$(check) Eghact: 0 errors · 50% cached · 42 ms');
    } finally {
      // A server left running would keep the test process alive.
      await bundle.deactivate();
      context.subscriptions.forEach((subscription) => subscription.dispose());
    }
  });

  test('eghact.trace.server turns the protocol trace on and off; server settings offer a restart', async () => {
    const { session } = await activate({ 'eghact.trace.server': 'messages' });
    await until('the server to run', () => session.running !== undefined);
    const trace = vscode.recorded.channels.get('Eghact Trace')!;
    await serverState(session);
    assert.ok(trace.some((line) => line.includes("Sending request 'test/initialize")), trace.join('\n'));

    vscode.changeSetting('eghact.trace.server', 'off');
    const lines = trace.length;
    await serverState(session);
    assert.equal(trace.length, lines, 'nothing is traced once the setting is off');

    vscode.changeSetting('eghact.gpu', 'on');
    assert.equal(vscode.recorded.messages.at(-1)?.text, 'Restart the Eghact language server to apply the changed settings?');
  });
});
