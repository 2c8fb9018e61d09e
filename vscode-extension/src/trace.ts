/**
 * The protocol trace channel, driven by the `eghact.trace.server` setting. vscode-languageclient
 * 10+ traces only while its trace channel's log level is Trace and then reads the setting just to
 * choose between messages and verbose; a real log channel's level follows the user's log-level
 * choice, not the setting. This channel reports Trace exactly when the setting is not `off`, and
 * writes every line it is given, so the setting alone turns tracing on and off.
 */

import * as vscode from 'vscode';

export type TraceSetting = 'off' | 'messages' | 'verbose';

export class TraceChannel implements vscode.LogOutputChannel {
  private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
  readonly onDidChangeLogLevel = this.levelChanged.event;

  constructor(
    private readonly channel: vscode.OutputChannel,
    private setting: TraceSetting,
  ) {}

  get name(): string {
    return this.channel.name;
  }

  get logLevel(): vscode.LogLevel {
    return this.setting === 'off' ? vscode.LogLevel.Info : vscode.LogLevel.Trace;
  }

  /** Called when the setting changes; the client re-reads the level and tells the server. */
  update(setting: TraceSetting): void {
    if (setting !== this.setting) {
      this.setting = setting;
      this.levelChanged.fire(this.logLevel);
    }
  }

  trace(message: string): void {
    this.channel.appendLine(message);
  }

  debug(message: string): void {
    this.channel.appendLine(message);
  }

  info(message: string): void {
    this.channel.appendLine(message);
  }

  warn(message: string): void {
    this.channel.appendLine(`warning: ${message}`);
  }

  error(error: string | Error): void {
    this.channel.appendLine(`error: ${error instanceof Error ? error.message : error}`);
  }

  append(value: string): void {
    this.channel.append(value);
  }

  appendLine(value: string): void {
    this.channel.appendLine(value);
  }

  replace(value: string): void {
    this.channel.replace(value);
  }

  clear(): void {
    this.channel.clear();
  }

  show(preserveFocus?: boolean): void;
  show(column?: vscode.ViewColumn, preserveFocus?: boolean): void;
  show(first?: boolean | vscode.ViewColumn, preserveFocus?: boolean): void {
    this.channel.show(typeof first === 'boolean' ? first : preserveFocus);
  }

  hide(): void {
    this.channel.hide();
  }

  dispose(): void {
    this.levelChanged.dispose();
    this.channel.dispose();
  }
}
