/**
 * Activation: creates the output channels, the status bar item, the build summary document and
 * the commands, then starts the language server. The status bar item and the summary both render
 * one `StatusState`, updated only through `reduce`.
 */

import * as vscode from 'vscode';

import { Session } from './client';
import { registerCommands, SUMMARY_SCHEME, SUMMARY_URI } from './commands';
import { RESTART_POLICY } from './server';
import type { RestartPolicy } from './server';
import type { StatusEvent, StatusState } from './status';
import { initialStatus, reduce, view } from './status';
import { buildReport } from './summary';
import type { TraceSetting } from './trace';
import { TraceChannel } from './trace';

let session: Session | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  await start(context, RESTART_POLICY);
}

export async function deactivate(): Promise<void> {
  await session?.stop();
  session = undefined;
}

/** `activate` with the restart policy as a parameter, so tests can crash the server without
 * waiting out real delays. Answers the session and a view of the status state. */
export async function start(context: vscode.ExtensionContext, policy: RestartPolicy): Promise<{ session: Session; status: () => StatusState }> {
  const output = vscode.window.createOutputChannel('Eghact', { log: true });
  const trace = new TraceChannel(vscode.window.createOutputChannel('Eghact Trace'), traceSetting());
  const item = vscode.window.createStatusBarItem('eghact.status', vscode.StatusBarAlignment.Left, 0);
  item.name = 'Eghact';
  item.command = 'eghact.showOutput';
  const summaryChanged = new vscode.EventEmitter<vscode.Uri>();

  let state = initialStatus;
  const dispatch = (event: StatusEvent) => {
    const previous = state;
    state = reduce(state, event);
    render(item, state);
    if (state.last !== previous.last) {
      summaryChanged.fire(SUMMARY_URI);
    }
  };
  render(item, state);
  item.show();

  session = new Session(context.extensionPath, output, trace, dispatch, policy);
  const current = session;
  context.subscriptions.push(
    output,
    trace,
    item,
    summaryChanged,
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, {
      onDidChange: summaryChanged.event,
      provideTextDocumentContent: () => buildReport(state.last),
    }),
    ...registerCommands({ running: () => current.running, restart: () => current.restart(), output }),
    vscode.workspace.onDidChangeConfiguration((change) => {
      trace.update(traceSetting());
      if (['eghact.server.path', 'eghact.remote', 'eghact.gpu'].some((section) => change.affectsConfiguration(section))) {
        void offerRestart();
      }
    }),
  );
  await current.start();
  return { session: current, status: () => state };
}

function render(item: vscode.StatusBarItem, state: StatusState): void {
  const shown = view(state);
  item.text = shown.text;
  item.tooltip = shown.tooltip;
  item.backgroundColor = shown.severity === 'none' ? undefined : new vscode.ThemeColor(`statusBarItem.${shown.severity}Background`);
}

function traceSetting(): TraceSetting {
  return vscode.workspace.getConfiguration('eghact').get<TraceSetting>('trace.server', 'off');
}

/** These settings are read when the server starts. */
async function offerRestart(): Promise<void> {
  const action = await vscode.window.showInformationMessage('Restart the Eghact language server to apply the changed settings?', 'Restart Server');
  if (action !== undefined) {
    await vscode.commands.executeCommand('eghact.restartServer');
  }
}
