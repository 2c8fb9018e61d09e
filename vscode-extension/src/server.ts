/**
 * Where the `eghact-lsp` binary comes from and when a crashed server is started again. Pure
 * functions over plain inputs (the file system is passed in as a predicate), so every branch is
 * unit-tested without VS Code or a real binary.
 */

import * as path from 'node:path';

import type { GpuMode, InitializationOptions, RemoteMode } from './protocol';

/** Everything `locateServer` looks at; `extension.ts` fills it from VS Code and `process`. */
export interface LocateInput {
  /** The `eghact.server.path` setting, `''` when unset. */
  configured: string;
  /** The folder the extension is installed in (holds `bin/<platform>-<arch>/` when bundled). */
  extensionPath: string;
  /** The first workspace folder, against which a relative configured path is resolved. */
  workspaceFolder: string | undefined;
  homeDir: string;
  platform: NodeJS.Platform;
  arch: string;
  /** The `PATH` environment variable. */
  pathEnv: string | undefined;
  isExecutable(file: string): boolean;
}

export type ServerSource = 'setting' | 'bundled' | 'PATH';

export type Located = { path: string; source: ServerSource } | { error: string };

/**
 * Finds the server: the setting wins (and is never silently replaced by another binary: a wrong
 * setting is an error the user must see), then a binary bundled for this platform, then `PATH`.
 */
export function locateServer(input: LocateInput): Located {
  const paths = input.platform === 'win32' ? path.win32 : path.posix;
  const exe = (name: string) => (input.platform === 'win32' && !/\.exe$/i.test(name) ? `${name}.exe` : name);
  const configured = input.configured.trim();
  if (configured !== '') {
    let candidate = configured.replace(/^~(?=$|[\\/])/, input.homeDir);
    if (!candidate.includes('/') && !candidate.includes('\\')) {
      const found = searchPath(exe(candidate), input, paths);
      return found ? { path: found, source: 'setting' } : { error: `eghact.server.path names "${configured}", which is not on PATH.` };
    }
    if (!paths.isAbsolute(candidate) && input.workspaceFolder !== undefined) {
      candidate = paths.resolve(input.workspaceFolder, candidate);
    }
    return input.isExecutable(candidate)
      ? { path: candidate, source: 'setting' }
      : { error: `eghact.server.path is "${configured}", which is not an executable file.` };
  }
  const bundled = paths.join(input.extensionPath, 'bin', `${input.platform}-${input.arch}`, exe('eghact-lsp'));
  if (input.isExecutable(bundled)) {
    return { path: bundled, source: 'bundled' };
  }
  const onPath = searchPath(exe('eghact-lsp'), input, paths);
  if (onPath) {
    return { path: onPath, source: 'PATH' };
  }
  return {
    error:
      `eghact-lsp was not found: no binary is bundled for ${input.platform}-${input.arch} and none is on PATH. ` +
      'Install it (cargo install --path lsp) or set eghact.server.path.',
  };
}

function searchPath(name: string, input: LocateInput, paths: path.PlatformPath): string | undefined {
  const dirs = (input.pathEnv ?? '').split(paths.delimiter).filter((dir) => dir !== '');
  return dirs.map((dir) => paths.join(dir, name)).find((file) => input.isExecutable(file));
}

/** How a crashed server is brought back: exponential backoff, and a limit on crashes within a
 * window so that a server that dies at start-up is not restarted forever. */
export interface RestartPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Restarts allowed within `windowMs`; one crash more and the client gives up. */
  maxRestarts: number;
  windowMs: number;
}

export const RESTART_POLICY: RestartPolicy = { baseDelayMs: 1_000, maxDelayMs: 30_000, maxRestarts: 5, windowMs: 180_000 };

export type RestartDecision =
  | { restart: true; delayMs: number; attempt: number; crashes: number[] }
  | { restart: false; crashes: number[] };

/**
 * Decides what to do about a crash at `now`, given the times of earlier crashes. The answer
 * carries the crash times to remember: those older than the window are forgotten, so a server
 * that crashes once a day is always restarted after the base delay.
 */
export function nextRestart(previous: readonly number[], now: number, policy: RestartPolicy): RestartDecision {
  const crashes = [...previous.filter((time) => now - time < policy.windowMs), now];
  if (crashes.length > policy.maxRestarts) {
    return { restart: false, crashes };
  }
  const attempt = crashes.length;
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { restart: true, delayMs, attempt, crashes };
}

/** The settings that travel to the server at start-up. */
export interface ServerSettings {
  remoteMode: RemoteMode;
  remoteEndpoint: string;
  gpu: GpuMode;
}

export function initializationOptions(settings: ServerSettings): InitializationOptions {
  const endpoint = settings.remoteEndpoint.trim();
  return { remote: { mode: settings.remoteMode, endpoint: endpoint === '' ? null : endpoint }, gpu: settings.gpu };
}
