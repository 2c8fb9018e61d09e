/**
 * The Eghact language server's custom protocol surface (see the repository README, "Language
 * server"): method names and the shapes of their payloads. Kept free of `vscode` imports so that
 * the status reducer and the summary report can be tested without an editor.
 */

export const BuildWorkspaceRequest = 'eghact/buildWorkspace';
export const BuildFileRequest = 'eghact/buildFile';
export const BuildStartedNotification = 'eghact/buildStarted';
export const BuildProgressNotification = 'eghact/buildProgress';
export const BuildCompletedNotification = 'eghact/buildCompleted';

/** `eghact/buildStarted`. `remote` says that a remote cluster may compile this build's misses
 * (a workspace build with remote execution configured). */
export interface BuildStarted {
  total: number;
  remote?: boolean;
}

/** How a component was obtained in a build. */
export type CacheState = 'unchanged' | 'hit' | 'miss' | 'remote';

/** The actions of a remote compile: how many wait for a worker, run, are done. */
export interface RemoteProgress {
  actions: number;
  queued: number;
  executing: number;
  done: number;
  /** Of `done`, answered from the server's action cache. */
  cached: number;
}

/** `eghact/buildProgress` for a component: the server sends at most one per percent, so on large
 * builds the paths are a sample of the files built, not all of them. */
export interface FileProgressParams {
  path: string;
  done: number;
  total: number;
  cache: CacheState;
}

/** `eghact/buildProgress`: a component done, or the remote actions changing state. */
export type BuildProgress = FileProgressParams | { remote: RemoteProgress };

/** What a finished build reports (`eghact/buildCompleted`, and the answer to the build requests). */
export interface BuildSummary {
  /** The version of this shape (docs/schemas/lsp-build-completed.schema.json). */
  version: 1;
  files: number;
  unchanged: number;
  /** Taken from a cache tier. */
  hits: number;
  /** Compiled here. */
  misses: number;
  /** Compiled on remote workers. */
  remote: number;
  errors: number;
  warnings: number;
  elapsedMs: number;
}

/** A build that could not run at all (no workspace, an I/O error…). */
export interface BuildFailure {
  error: string;
}

export type BuildResult = BuildSummary | BuildFailure;

export function isFailure(result: BuildResult): result is BuildFailure {
  return typeof (result as BuildFailure).error === 'string';
}

/** The `initializationOptions` the client sends. The server ignores them until the remote and
 * GPU issues wire them; the CLI takes the same values as `--remote`, `--remote-endpoint`, `--gpu`. */
export interface InitializationOptions {
  remote: { mode: RemoteMode; endpoint: string | null };
  gpu: GpuMode;
}

export type RemoteMode = 'auto' | 'always' | 'never';
export type GpuMode = 'auto' | 'on' | 'off';
