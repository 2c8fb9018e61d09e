/**
 * Makes `require('vscode')` (from the extension and from vscode-languageclient) load the fake in
 * `vscode.ts`. Import this before anything that imports `vscode`.
 */

import Module = require('node:module');

const resolver = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
  return request === 'vscode' ? require.resolve('./vscode') : resolve.call(this, request, ...rest);
};
