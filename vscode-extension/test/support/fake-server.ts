/**
 * A stand-in for `eghact-lsp --stdio` that speaks the same custom protocol: an "Indexing"
 * progress after `initialized`, and builds that report `eghact/build*` notifications. Requests
 * under `test/` let a test read what the server received, choose the next build's result, or make
 * the server crash.
 */

import { createProtocolConnection, ResponseError, ErrorCodes } from 'vscode-languageserver-protocol/node';
import type { InitializeParams } from 'vscode-languageserver-protocol/node';

const connection = createProtocolConnection(process.stdin, process.stdout);
let initialize: InitializeParams | undefined;
let nextBuild: unknown = { version: 1, files: 2, unchanged: 0, hits: 1, misses: 1, remote: 0, errors: 0, warnings: 0, elapsedMs: 42 };

connection.onRequest('initialize', (params: InitializeParams) => {
  initialize = params;
  return { capabilities: { textDocumentSync: 1 }, serverInfo: { name: 'fake-eghact-lsp' } };
});

connection.onNotification('initialized', async () => {
  if (initialize?.capabilities.window?.workDoneProgress !== true) {
    return;
  }
  const token = 'indexing';
  await connection.sendRequest('window/workDoneProgress/create', { token });
  await connection.sendNotification('$/progress', { token, value: { kind: 'begin', title: 'Indexing', percentage: 0 } });
  await connection.sendNotification('$/progress', { token, value: { kind: 'report', percentage: 50, message: '1/2 App.egh' } });
  await connection.sendNotification('$/progress', { token, value: { kind: 'end', message: 'indexed 2 files' } });
});

async function build(paths: string[]): Promise<unknown> {
  const total = paths.length;
  await connection.sendNotification('eghact/buildStarted', { total });
  for (const [index, path] of paths.entries()) {
    await connection.sendNotification('eghact/buildProgress', { path, done: index + 1, total, cache: index === 0 ? 'compiled' : 'hit' });
  }
  await connection.sendNotification('eghact/buildCompleted', nextBuild);
  return nextBuild;
}

connection.onRequest('eghact/buildWorkspace', (...args: unknown[]) => {
  // Like the real server, which takes no params: any, even `[null]`, is an error. The handler
  // gets the params (spread when an array) and a cancellation token last.
  if (args.length > 1) {
    return new ResponseError(ErrorCodes.InvalidParams, `Unexpected params: ${JSON.stringify(args.slice(0, -1))}`);
  }
  return build(['src/App.egh', 'src/Counter.egh']);
});

connection.onRequest('eghact/buildFile', (params: { uri: string }) => {
  if (!params.uri.endsWith('.egh')) {
    // As the real server does for a file outside the workspace.
    return new ResponseError(ErrorCodes.InvalidParams, `${params.uri} is not in the workspace`);
  }
  return build([params.uri.replace(/^.*\/(src\/)/, '$1')]);
});

connection.onRequest('test/initialize', () => ({ initialize, pid: process.pid }));
connection.onRequest('test/nextBuild', (result: unknown) => {
  nextBuild = result;
});
connection.onNotification('test/crash', () => process.exit(3));

connection.onRequest('shutdown', () => null);
connection.onNotification('exit', () => process.exit(0));
connection.listen();
