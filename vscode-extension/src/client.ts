/**
 * One language-client session at a time: finds the server, starts it with the settings as
 * `initializationOptions`, turns its notifications and `$/progress` into status events, and brings
 * it back after a crash with the backoff of `server.ts`. The client itself restarts after a crash
 * (its error handler waits out the delay), so notification handlers survive restarts.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';

import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, State } from 'vscode-languageclient/node';
import type { CloseHandlerResult, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';

import type { BuildProgress, BuildResult, BuildStarted, GpuMode, RemoteMode } from './protocol';
import { BuildCompletedNotification, BuildProgressNotification, BuildStartedNotification } from './protocol';
import type { RestartPolicy } from './server';
import { initializationOptions, locateServer, nextRestart } from './server';
import type { StatusEvent, WorkDoneProgress } from './status';
import { duration } from './status';
import type { TraceChannel } from './trace';

export class Session {
  private client: LanguageClient | undefined;
  /** Times of recent crashes, for the backoff. */
  private crashes: number[] = [];
  /** The client's state still reads Running while its error handler waits to restart a dead
   * server; this is false from the crash on. */
  private alive = false;

  constructor(
    private readonly extensionPath: string,
    private readonly output: vscode.LogOutputChannel,
    private readonly trace: TraceChannel,
    private readonly dispatch: (event: StatusEvent) => void,
    private readonly policy: RestartPolicy,
  ) {}

  /** The client, when the server is up and answering. */
  get running(): LanguageClient | undefined {
    return this.alive ? this.client : undefined;
  }

  async start(): Promise<void> {
    const config = vscode.workspace.getConfiguration('eghact');
    const located = locateServer({
      configured: config.get<string>('server.path', ''),
      extensionPath: this.extensionPath,
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      homeDir: os.homedir(),
      platform: process.platform,
      arch: process.arch,
      pathEnv: process.env.PATH,
      isExecutable,
    });
    if ('error' in located) {
      this.stopped(located.error, ['Open Settings']);
      return;
    }
    const origin = { setting: 'eghact.server.path', bundled: 'bundled with the extension', PATH: 'found on PATH' }[located.source];
    this.output.info(`Starting ${located.path} (${origin}).`);
    const serverOptions: ServerOptions = { command: located.path, args: ['--stdio'] };
    const client = new LanguageClient('eghact', 'Eghact Language Server', serverOptions, this.clientOptions());
    this.client = client;
    client.onNotification(BuildStartedNotification, (params: BuildStarted) => this.dispatch({ type: 'buildStarted', params }));
    client.onNotification(BuildProgressNotification, (params: BuildProgress) => this.dispatch({ type: 'buildProgress', params }));
    client.onNotification(BuildCompletedNotification, (params: BuildResult) =>
      this.dispatch({ type: 'buildCompleted', params, at: new Date() }),
    );
    client.onDidChangeState(({ newState }) => {
      this.alive = newState === State.Running;
      if (this.alive) {
        this.dispatch({ type: 'serverReady' });
      }
    });
    this.dispatch({ type: 'serverStarting' });
    try {
      await client.start();
    } catch (error) {
      // A crash during start-up goes through the error handler, which decides about restarts.
      this.output.error(`The language server did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Stops the server (if any) and starts it afresh, forgetting earlier crashes. */
  async restart(): Promise<void> {
    await this.stop();
    this.crashes = [];
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.alive = false;
    if (client !== undefined) {
      // A client whose server just died may not manage a clean shutdown; it is dropped anyway.
      await client.dispose(2000).catch(() => undefined);
    }
  }

  private clientOptions(): LanguageClientOptions {
    const config = vscode.workspace.getConfiguration('eghact');
    return {
      documentSelector: [{ language: 'eghact' }],
      outputChannel: this.output,
      traceOutputChannel: this.trace,
      initializationOptions: initializationOptions({
        remoteMode: config.get<RemoteMode>('remote.mode', 'auto'),
        remoteEndpoint: config.get<string>('remote.endpoint', ''),
        gpu: config.get<GpuMode>('gpu', 'auto'),
      }),
      middleware: {
        // Progress still reaches VS Code's own indicator through `next`; the status bar gets a copy.
        handleWorkDoneProgress: (token, value, next) => {
          this.dispatch({ type: 'progress', token, value: value as WorkDoneProgress });
          next(token, value);
        },
      },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => this.closed(),
      },
    };
  }

  /** The server exited without being asked to: restart after the backoff, or give up. */
  private async closed(): Promise<CloseHandlerResult> {
    this.alive = false;
    const client = this.client;
    const decision = nextRestart(this.crashes, Date.now(), this.policy);
    this.crashes = decision.crashes;
    if (!decision.restart) {
      const minutes = Math.round(this.policy.windowMs / 60_000);
      this.stopped(`The Eghact language server crashed ${decision.crashes.length} times in ${minutes} minutes and was not restarted.`, [
        'Restart Server',
        'Show Output',
      ]);
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    const message = `The Eghact language server stopped unexpectedly; restarting in ${duration(decision.delayMs)} (attempt ${decision.attempt} of ${this.policy.maxRestarts}).`;
    this.output.warn(message);
    void vscode.window.showWarningMessage(message);
    this.dispatch({ type: 'serverRestarting', attempt: decision.attempt, delayMs: decision.delayMs });
    await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    // "Restart Server" during the wait replaced this client: leave the restart to the new one.
    if (this.client !== client) {
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.dispatch({ type: 'serverStarting' });
    return { action: CloseAction.Restart, handled: true };
  }

  private stopped(reason: string, actions: string[]): void {
    this.output.error(reason);
    this.dispatch({ type: 'serverStopped', reason });
    void vscode.window.showErrorMessage(reason, ...actions).then((action) => {
      if (action === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'eghact.server.path');
      } else if (action === 'Restart Server') {
        void vscode.commands.executeCommand('eghact.restartServer');
      } else if (action === 'Show Output') {
        this.output.show(true);
      }
    });
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
