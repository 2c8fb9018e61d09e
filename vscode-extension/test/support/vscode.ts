/**
 * A stand-in for the `vscode` module (VS Code itself cannot be downloaded here): the parts of the
 * API that the extension and vscode-languageclient use, recording what they show so tests can
 * assert on it. `register.ts` makes `require('vscode')` load this file.
 */

import * as path from 'node:path';

/** vscode-languageclient refuses to run on an editor older than its `engines.vscode`. */
export const version = '1.91.0';

// ---- What the extension did, for the tests to read ----

export interface ShownMessage {
  level: 'info' | 'warning' | 'error';
  text: string;
  actions: string[];
}

export interface FakeStatusBarItem {
  id: string;
  name?: string;
  text: string;
  tooltip?: string;
  command?: string;
  backgroundColor?: ThemeColor;
  /** Every text the item has shown, in order. */
  history: string[];
  show(): void;
  hide(): void;
  dispose(): void;
}

export const recorded = {
  messages: [] as ShownMessage[],
  /** Answers that the next message boxes give (a button's title), oldest first; none: dismissed. */
  answers: [] as (string | undefined)[],
  statusItems: [] as FakeStatusBarItem[],
  channels: new Map<string, string[]>(),
  shownChannels: [] as string[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as { id: string; args: unknown[] }[],
  settings: {} as Record<string, unknown>,
  contentProviders: new Map<string, { provideTextDocumentContent(uri: Uri): string }>(),
  shownDocuments: [] as { uri: Uri; text: string }[],
};

export function reset(): void {
  recorded.messages.length = 0;
  recorded.answers.length = 0;
  recorded.statusItems.length = 0;
  recorded.channels.clear();
  recorded.shownChannels.length = 0;
  recorded.commands.clear();
  recorded.executed.length = 0;
  recorded.contentProviders.clear();
  recorded.shownDocuments.length = 0;
  for (const key of Object.keys(recorded.settings)) {
    delete recorded.settings[key];
  }
  window.activeTextEditor = undefined;
}

// ---- Plain types ----

export class Disposable {
  static from(...disposables: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => disposables.forEach((d) => d.dispose()));
  }
  constructor(private readonly onDispose: () => unknown) {}
  dispose(): void {
    this.onDispose();
  }
}

export class EventEmitter<T> {
  private listeners: ((value: T) => unknown)[] = [];
  readonly event = (listener: (value: T) => unknown): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(value: T): void {
    this.listeners.forEach((listener) => listener(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

const noEvent = (): Disposable => new Disposable(() => undefined);

export class CancellationError extends Error {}

export class CancellationTokenSource {
  private readonly cancelled = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.cancelled.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.cancelled.fire();
  }
  dispose(): void {
    this.cancelled.dispose();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(file: string): Uri {
    return new Uri('file', path.resolve(file));
  }
  static parse(value: string): Uri {
    const match = /^([a-z][\w+.-]*):(?:\/\/)?(.*)$/i.exec(value);
    return match ? new Uri(match[1], decodeURIComponent(match[2])) : Uri.file(value);
  }
  static from(parts: { scheme: string; path: string }): Uri {
    return new Uri(parts.scheme, parts.path);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return this.scheme === 'file' ? `file://${encodeURI(this.path)}` : `${this.scheme}:${encodeURI(this.path)}`;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

/** vscode-languageclient maps code action kinds when it is constructed. */
export const CodeActionKind = {
  Empty: '',
  QuickFix: 'quickfix',
  Refactor: 'refactor',
  RefactorExtract: 'refactor.extract',
  RefactorInline: 'refactor.inline',
  RefactorRewrite: 'refactor.rewrite',
  Source: 'source',
  SourceOrganizeImports: 'source.organizeImports',
};

// Classes vscode-languageclient extends when it loads; these tests never construct them.
export class CallHierarchyItem {}
export class CodeAction {}
export class CodeLens {}
export class CompletionItem {}
export class Diagnostic {}
export class DocumentLink {}
export class InlayHint {}
export class SymbolInformation {}
export class TypeHierarchyItem {}
export class TabInputText {}
export class TabInputTextDiff {}
export class TabInputNotebook {}
export class TabInputCustom {}

export enum LogLevel {
  Off = 0,
  Trace = 1,
  Debug = 2,
  Info = 3,
  Warning = 4,
  Error = 5,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum ViewColumn {
  Active = -1,
  One = 1,
}

export const env = { appName: 'Fake VS Code', language: 'en', openExternal: async () => true };

// ---- Namespaces ----

function outputChannel(name: string) {
  const lines: string[] = [];
  recorded.channels.set(name, lines);
  const log = (level: string) => (message: string | Error) => lines.push(`[${level}] ${message instanceof Error ? message.message : message}`);
  return {
    name,
    logLevel: LogLevel.Info,
    onDidChangeLogLevel: noEvent,
    append: (value: string) => lines.push(value),
    appendLine: (value: string) => lines.push(value),
    replace: (value: string) => lines.splice(0, lines.length, value),
    clear: () => lines.splice(0, lines.length),
    show: () => recorded.shownChannels.push(name),
    hide: () => undefined,
    dispose: () => undefined,
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warning'),
    error: log('error'),
  };
}

function message(level: ShownMessage['level']) {
  return (text: string, ...actions: unknown[]): Promise<string | undefined> => {
    const titles = actions.filter((action): action is string => typeof action === 'string');
    recorded.messages.push({ level, text, actions: titles });
    return Promise.resolve(recorded.answers.shift());
  };
}

export const window = {
  activeTextEditor: undefined as { document: { uri: Uri; languageId: string } } | undefined,
  visibleTextEditors: [],
  tabGroups: { all: [], onDidChangeTabs: noEvent },
  onDidChangeActiveTextEditor: noEvent,
  onDidChangeVisibleTextEditors: noEvent,
  createOutputChannel: outputChannel,
  createStatusBarItem(id: string): FakeStatusBarItem {
    let text = '';
    const item: FakeStatusBarItem = {
      id,
      history: [],
      get text() {
        return text;
      },
      set text(value: string) {
        text = value;
        item.history.push(value);
      },
      show: () => undefined,
      hide: () => undefined,
      dispose: () => undefined,
    };
    recorded.statusItems.push(item);
    return item;
  },
  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),
  async withProgress<R>(_options: unknown, task: (progress: { report(value: unknown): void }, token: unknown) => Promise<R>): Promise<R> {
    return task({ report: () => undefined }, new CancellationTokenSource().token);
  },
  async showTextDocument(document: { uri: Uri; getText(): string }): Promise<void> {
    recorded.shownDocuments.push({ uri: document.uri, text: document.getText() });
  },
};

const configurationChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();

/** Changes a setting as the Settings editor would, firing `onDidChangeConfiguration`. */
export function changeSetting(key: string, value: unknown): void {
  recorded.settings[key] = value;
  configurationChanged.fire({ affectsConfiguration: (section) => key === section || key.startsWith(`${section}.`) });
}

export const workspace = {
  workspaceFolders: undefined,
  textDocuments: [],
  notebookDocuments: [],
  onDidChangeConfiguration: configurationChanged.event,
  onDidOpenTextDocument: noEvent,
  onDidChangeTextDocument: noEvent,
  onDidCloseTextDocument: noEvent,
  onDidSaveTextDocument: noEvent,
  onWillSaveTextDocument: noEvent,
  onDidChangeWorkspaceFolders: noEvent,
  onWillCreateFiles: noEvent,
  onDidCreateFiles: noEvent,
  onWillRenameFiles: noEvent,
  onDidRenameFiles: noEvent,
  onWillDeleteFiles: noEvent,
  onDidDeleteFiles: noEvent,
  getConfiguration(section?: string) {
    const full = (key: string) => (section ? `${section}.${key}` : key);
    return {
      get: <T>(key: string, fallback?: T): T | undefined => (full(key) in recorded.settings ? (recorded.settings[full(key)] as T) : fallback),
      has: (key: string) => full(key) in recorded.settings,
      inspect: () => undefined,
      update: async () => undefined,
    };
  },
  registerTextDocumentContentProvider(scheme: string, provider: { provideTextDocumentContent(uri: Uri): string }): Disposable {
    recorded.contentProviders.set(scheme, provider);
    return new Disposable(() => recorded.contentProviders.delete(scheme));
  },
  async openTextDocument(uri: Uri) {
    const provider = recorded.contentProviders.get(uri.scheme);
    if (provider === undefined) {
      throw new Error(`no content provider for ${uri.scheme}`);
    }
    const text = provider.provideTextDocumentContent(uri);
    return { uri, getText: () => text };
  },
  createFileSystemWatcher: () => ({ onDidCreate: noEvent, onDidChange: noEvent, onDidDelete: noEvent, dispose: () => undefined }),
  applyEdit: async () => true,
};

/** `languages.registerXxxProvider` for every provider kind: the fake server offers none. */
export const languages = new Proxy(
  {
    match: () => 0,
    createDiagnosticCollection: () => ({ set() {}, delete() {}, clear() {}, forEach() {}, get: () => undefined, has: () => false, dispose() {} }),
  } as Record<string, unknown>,
  {
    get: (target, name: string) => target[name] ?? (name.startsWith('register') ? () => new Disposable(() => undefined) : undefined),
  },
);

export const commands = {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown): Disposable {
    if (recorded.commands.has(id)) {
      throw new Error(`command ${id} already exists`);
    }
    recorded.commands.set(id, handler);
    return new Disposable(() => recorded.commands.delete(id));
  },
  async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    recorded.executed.push({ id, args });
    return recorded.commands.get(id)?.(...args);
  },
};
