/**
 * The status bar as a pure reducer: every server notification and client state change becomes a
 * `StatusEvent`, `reduce` folds it into a `StatusState`, and `view` says what the item shows. The
 * state also keeps the last build (summary and the files it reported) for "Show Build Summary".
 * Nothing here touches VS Code, so the whole state machine is unit-tested.
 */

import type { BuildProgress, BuildResult, BuildStarted, CacheState, RemoteProgress } from './protocol';
import { isFailure } from './protocol';

/** `$/progress` values, as the protocol defines them (`WorkDoneProgressBegin | Report | End`). */
export type WorkDoneProgress =
  | { kind: 'begin'; title: string; message?: string; percentage?: number }
  | { kind: 'report'; message?: string; percentage?: number }
  | { kind: 'end'; message?: string };

export type StatusEvent =
  | { type: 'serverStarting' }
  | { type: 'serverReady' }
  | { type: 'serverRestarting'; attempt: number; delayMs: number }
  | { type: 'serverStopped'; reason: string }
  | { type: 'progress'; token: string | number; value: WorkDoneProgress }
  | { type: 'buildStarted'; params: BuildStarted }
  | { type: 'buildProgress'; params: BuildProgress }
  | { type: 'buildCompleted'; params: BuildResult; at: Date };

export interface FileProgress {
  path: string;
  cache: CacheState;
}

/** A server-side task reported through `$/progress` ("Indexing", "Building"). */
export interface Task {
  title: string;
  percentage?: number;
  message?: string;
}

export interface RunningBuild {
  done: number;
  total: number;
  remote: boolean;
  /** The remote actions, once the server has sent any. */
  actions?: RemoteProgress;
  files: FileProgress[];
}

export interface FinishedBuild {
  result: BuildResult;
  remote: boolean;
  files: FileProgress[];
  at: Date;
}

export interface StatusState {
  server: { state: 'starting' | 'running' } | { state: 'restarting'; attempt: number; delayMs: number } | { state: 'stopped'; reason: string };
  /** Open `$/progress` tasks by token: report and end carry no title, so begin's is kept. */
  tasks: Record<string, Task>;
  build?: RunningBuild;
  last?: FinishedBuild;
}

export const initialStatus: StatusState = { server: { state: 'starting' }, tasks: {} };

export function reduce(state: StatusState, event: StatusEvent): StatusState {
  switch (event.type) {
    case 'serverStarting':
      return { ...state, server: { state: 'starting' } };
    case 'serverReady':
      return { ...state, server: { state: 'running' } };
    case 'serverRestarting':
    case 'serverStopped': {
      // A dead server's tasks and build will never report their end.
      const server = event.type === 'serverStopped'
        ? { state: 'stopped' as const, reason: event.reason }
        : { state: 'restarting' as const, attempt: event.attempt, delayMs: event.delayMs };
      return { ...state, server, tasks: {}, build: undefined };
    }
    case 'progress':
      return { ...state, tasks: reduceTasks(state.tasks, String(event.token), event.value) };
    case 'buildStarted':
      return { ...state, build: { done: 0, total: event.params.total, remote: event.params.remote === true, files: [] } };
    case 'buildProgress': {
      const params = event.params;
      if ('remote' in params) {
        const build = state.build ?? { done: 0, total: 0, remote: true, files: [] };
        return { ...state, build: { ...build, remote: true, actions: params.remote } };
      }
      const { path, cache, done, total } = params;
      const build = state.build ?? { done: 0, total, remote: false, files: [] };
      return { ...state, build: { ...build, done, total, files: [...build.files, { path, cache }] } };
    }
    case 'buildCompleted': {
      const build = state.build ?? { remote: false, files: [] };
      return { ...state, build: undefined, last: { result: event.params, remote: build.remote, files: build.files, at: event.at } };
    }
  }
}

/** Builds are also reported as a "Building" `$/progress` task, which ends after
 * `eghact/buildCompleted`; the build notifications say more (done/total, cache), so builds are
 * taken from them alone and `$/progress` only for other work such as indexing. */
const BUILD_TASK = 'Building';

function reduceTasks(tasks: Record<string, Task>, token: string, value: WorkDoneProgress): Record<string, Task> {
  const next = { ...tasks };
  if (value.kind === 'begin' && value.title !== BUILD_TASK) {
    next[token] = { title: value.title, percentage: value.percentage, message: value.message };
  } else if (value.kind === 'report' && next[token] !== undefined) {
    next[token] = { ...next[token], percentage: value.percentage ?? next[token].percentage, message: value.message ?? next[token].message };
  } else if (value.kind === 'end') {
    delete next[token];
  }
  return next;
}

export type Severity = 'none' | 'warning' | 'error';

/** What the status bar item shows: `$(…)` are VS Code codicons. */
export interface StatusView {
  text: string;
  tooltip: string;
  severity: Severity;
}

/** Most urgent first: a dead server, a running build, other server work, the last build. */
export function view(state: StatusState): StatusView {
  const server = state.server;
  if (server.state === 'stopped') {
    return { text: '$(error) Eghact: stopped', tooltip: `${server.reason}\nClick to show the output.`, severity: 'error' };
  }
  if (server.state === 'restarting') {
    const seconds = Math.round(server.delayMs / 1000);
    return {
      text: '$(sync~spin) Eghact: restarting',
      tooltip: `The language server stopped; restart ${server.attempt} in ${seconds} s.`,
      severity: 'warning',
    };
  }
  if (server.state === 'starting') {
    return { text: '$(loading~spin) Eghact', tooltip: 'Starting the Eghact language server…', severity: 'none' };
  }
  if (state.build !== undefined) {
    const { done, total, remote, actions } = state.build;
    const where = remote ? 'remote' : 'local';
    if (actions !== undefined && actions.done < actions.actions) {
      const cached = actions.cached > 0 ? `, ${actions.cached} cached` : '';
      return {
        text: `$(cloud) Eghact: remote ${actions.done}/${actions.actions} actions`,
        tooltip: `Remote compile of ${total} components: ${actions.queued} actions queued, ${actions.executing} running, ${actions.done} done${cached}.`,
        severity: 'none',
      };
    }
    return { text: `$(sync~spin) Eghact: building ${done}/${total} (${where})`, tooltip: `Building ${total} components (${where}).`, severity: 'none' };
  }
  const task = Object.values(state.tasks)[0];
  if (task !== undefined) {
    const percentage = task.percentage === undefined ? '' : ` ${task.percentage}%`;
    return { text: `$(loading~spin) Eghact: ${task.title.toLowerCase()}${percentage}`, tooltip: task.message ?? task.title, severity: 'none' };
  }
  if (state.last === undefined) {
    return { text: '$(check) Eghact', tooltip: 'The Eghact language server is running. No build yet.', severity: 'none' };
  }
  const result = state.last.result;
  if (isFailure(result)) {
    return { text: '$(error) Eghact: build failed', tooltip: result.error, severity: 'error' };
  }
  const errors = plural(result.errors, 'error');
  const tooltip =
    `Last build: ${result.files} components (${result.misses} compiled, ${result.hits} from the cache, ` +
    `${result.unchanged} unchanged), ${errors}, ${plural(result.warnings, 'warning')}, ${duration(result.elapsedMs)}.\n` +
    'Click to show the output.';
  return {
    text: `${result.errors > 0 ? '$(error)' : '$(check)'} Eghact: ${errors} · ${cachedPercent(result.files, result.misses)} cached · ${duration(result.elapsedMs)}`,
    tooltip,
    severity: result.errors > 0 ? 'error' : result.warnings > 0 ? 'warning' : 'none',
  };
}

/** The share of components not compiled again (from the cache or unchanged): what the cache saved. */
export function cachedPercent(files: number, compiled: number): string {
  return files === 0 ? '—' : `${Math.round(((files - compiled) / files) * 100)}%`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
