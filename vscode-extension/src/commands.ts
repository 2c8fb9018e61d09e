/**
 * The extension's commands. Build results come back twice: as the request's answer (used here to
 * tell the user about a failed build) and as `eghact/buildCompleted` (which drives the status bar),
 * so these handlers never update the status themselves.
 */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import type { BuildResult } from './protocol';
import { BuildFileRequest, BuildWorkspaceRequest, isFailure } from './protocol';
import { plural } from './status';

/** The URI scheme of the read-only build summary document. */
export const SUMMARY_SCHEME = 'eghact-build';
export const SUMMARY_URI = vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: '/Eghact Build Summary.md' });

export interface CommandTarget {
  /** The client while its server is running. */
  running(): LanguageClient | undefined;
  restart(): Promise<void>;
  output: vscode.OutputChannel;
}

export function registerCommands(target: CommandTarget): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('eghact.buildWorkspace', () => build(target, BuildWorkspaceRequest, undefined)),
    vscode.commands.registerCommand('eghact.buildFile', () => buildCurrentFile(target)),
    vscode.commands.registerCommand('eghact.restartServer', () => target.restart()),
    vscode.commands.registerCommand('eghact.showOutput', () => target.output.show(true)),
    vscode.commands.registerCommand('eghact.showBuildSummary', async () => {
      const document = await vscode.workspace.openTextDocument(SUMMARY_URI);
      await vscode.window.showTextDocument(document, { preview: true });
    }),
  ];
}

function buildCurrentFile(target: CommandTarget): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  if (document?.languageId !== 'eghact') {
    void vscode.window.showWarningMessage('Eghact: open an .egh file to build it.');
    return Promise.resolve();
  }
  return build(target, BuildFileRequest, document.uri);
}

async function build(target: CommandTarget, method: string, file: vscode.Uri | undefined): Promise<void> {
  const client = target.running();
  if (client === undefined) {
    void vscode.window.showErrorMessage('Eghact: the language server is not running.', 'Restart Server').then((action) => {
      if (action !== undefined) {
        void target.restart();
      }
    });
    return;
  }
  let result: BuildResult;
  try {
    // `eghact/buildWorkspace` takes no params at all (an explicit `undefined` would go out as
    // `[null]`, which the server rejects). A file's URI must be spelled as in `didOpen`.
    result = await (file === undefined
      ? client.sendRequest<BuildResult>(method)
      : client.sendRequest<BuildResult>(method, { uri: client.code2ProtocolConverter.asUri(file) }));
  } catch (error) {
    // The server answers an error for a file outside the workspace.
    result = { error: error instanceof Error ? error.message : String(error) };
  }
  if (isFailure(result)) {
    void vscode.window.showErrorMessage(`Eghact: the build failed: ${result.error}`);
  } else if (result.errors > 0) {
    const action = await vscode.window.showWarningMessage(`Eghact: the build found ${plural(result.errors, 'error')}.`, 'Show Problems');
    if (action !== undefined) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    }
  }
}
