import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { StatusEvent, StatusState } from '../../src/status';
import { cachedPercent, duration, initialStatus, reduce, view } from '../../src/status';

const at = new Date(0);
const summary = { version: 1 as const, files: 40, unchanged: 30, hits: 6, misses: 4, remote: 0, errors: 0, warnings: 0, elapsedMs: 340 };

function run(...events: StatusEvent[]): StatusState {
  return events.reduce(reduce, initialStatus);
}

const ready: StatusEvent = { type: 'serverReady' };

describe('status reducer and view', () => {
  test('shows the server starting, then ready with no build', () => {
    assert.equal(view(initialStatus).text, '$(loading~spin) Eghact');
    const state = run(ready);
    assert.equal(view(state).text, '$(check) Eghact');
    assert.equal(view(state).severity, 'none');
  });

  test('shows indexing through $/progress until the task ends', () => {
    const begin: StatusEvent = { type: 'progress', token: 't1', value: { kind: 'begin', title: 'Indexing', percentage: 0 } };
    const report: StatusEvent = { type: 'progress', token: 't1', value: { kind: 'report', percentage: 40, message: '4/10 src/App.egh' } };
    assert.equal(view(run(ready, begin)).text, '$(loading~spin) Eghact: indexing 0%');
    const reported = run(ready, begin, report);
    assert.equal(view(reported).text, '$(loading~spin) Eghact: indexing 40%');
    assert.equal(view(reported).tooltip, '4/10 src/App.egh');
    assert.equal(view(run(ready, begin, report, { type: 'progress', token: 't1', value: { kind: 'end' } })).text, '$(check) Eghact');
  });

  test('takes builds from the build notifications, not from the "Building" progress task', () => {
    const state = run(
      ready,
      { type: 'buildStarted', params: { total: 2 } },
      { type: 'progress', token: 'b', value: { kind: 'begin', title: 'Building', percentage: 0 } },
      { type: 'progress', token: 'b', value: { kind: 'report', percentage: 100 } },
      { type: 'buildCompleted', params: summary, at },
    );
    // The server ends the progress task after `eghact/buildCompleted`: the result shows at once.
    assert.equal(view(state).text, '$(check) Eghact: 0 errors · 90% cached · 340 ms');
  });

  test('ignores a report for a task it never saw begin', () => {
    const state = run(ready, { type: 'progress', token: 7, value: { kind: 'report', percentage: 10 } });
    assert.deepEqual(state.tasks, {});
  });

  test('shows build progress as done/total and where it runs', () => {
    const started = run(ready, { type: 'buildStarted', params: { total: 40 } });
    assert.equal(view(started).text, '$(sync~spin) Eghact: building 0/40 (local)');
    const progressed = reduce(started, { type: 'buildProgress', params: { path: 'src/App.egh', done: 12, total: 40, cache: 'hit' } });
    assert.equal(view(progressed).text, '$(sync~spin) Eghact: building 12/40 (local)');
    const remote = run(ready, { type: 'buildStarted', params: { total: 3, remote: true } });
    assert.equal(view(remote).text, '$(sync~spin) Eghact: building 0/3 (remote)');
  });

  test('shows remote actions while they run, then the components', () => {
    const started = run(ready, { type: 'buildStarted', params: { total: 500, remote: true } });
    const queued = reduce(started, { type: 'buildProgress', params: { remote: { actions: 2, queued: 2, executing: 0, done: 0, cached: 0 } } });
    assert.equal(view(queued).text, '$(cloud) Eghact: remote 0/2 actions');
    const running = reduce(queued, { type: 'buildProgress', params: { remote: { actions: 2, queued: 0, executing: 1, done: 1, cached: 1 } } });
    assert.match(view(running).tooltip, /0 actions queued, 1 running, 1 done, 1 cached/);
    const done = reduce(running, { type: 'buildProgress', params: { remote: { actions: 2, queued: 0, executing: 0, done: 2, cached: 1 } } });
    const compiled = reduce(done, { type: 'buildProgress', params: { path: 'src/A.egh', done: 250, total: 500, cache: 'remote' } });
    assert.equal(view(compiled).text, '$(sync~spin) Eghact: building 250/500 (remote)');
    assert.deepEqual(compiled.build?.files, [{ path: 'src/A.egh', cache: 'remote' }]);
  });

  test('a build in progress wins over indexing', () => {
    const state = run(
      ready,
      { type: 'progress', token: 'i', value: { kind: 'begin', title: 'Indexing', percentage: 5 } },
      { type: 'buildStarted', params: { total: 2 } },
    );
    assert.equal(view(state).text, '$(sync~spin) Eghact: building 0/2 (local)');
  });

  test('shows the last result: errors, the cached share and the time', () => {
    const state = run(
      ready,
      { type: 'buildStarted', params: { total: 40 } },
      { type: 'buildProgress', params: { path: 'src/A.egh', done: 20, total: 40, cache: 'miss' } },
      { type: 'buildProgress', params: { path: 'src/B.egh', done: 40, total: 40, cache: 'unchanged' } },
      { type: 'buildCompleted', params: summary, at },
    );
    assert.equal(state.build, undefined);
    assert.deepEqual(state.last, {
      result: summary,
      remote: false,
      at,
      files: [
        { path: 'src/A.egh', cache: 'miss' },
        { path: 'src/B.egh', cache: 'unchanged' },
      ],
    });
    const shown = view(state);
    assert.equal(shown.text, '$(check) Eghact: 0 errors · 90% cached · 340 ms');
    assert.match(shown.tooltip, /40 components \(4 compiled, 6 from the cache, 30 unchanged\), 0 errors, 0 warnings, 340 ms/);
    assert.equal(shown.severity, 'none');
  });

  test('marks errors and warnings', () => {
    const failed = run(ready, { type: 'buildCompleted', params: { ...summary, errors: 1, elapsedMs: 1500 }, at });
    assert.equal(view(failed).text, '$(error) Eghact: 1 error · 90% cached · 1.5 s');
    assert.equal(view(failed).severity, 'error');
    const warned = run(ready, { type: 'buildCompleted', params: { ...summary, warnings: 2 }, at });
    assert.equal(view(warned).severity, 'warning');
  });

  test('shows a build that could not run', () => {
    const state = run(ready, { type: 'buildStarted', params: { total: 1 } }, { type: 'buildCompleted', params: { error: 'no workspace' }, at });
    assert.deepEqual(view(state), { text: '$(error) Eghact: build failed', tooltip: 'no workspace', severity: 'error' });
  });

  test('a stopped server drops its tasks and build and says why', () => {
    const state = run(
      ready,
      { type: 'progress', token: 'i', value: { kind: 'begin', title: 'Indexing' } },
      { type: 'buildStarted', params: { total: 2 } },
      { type: 'serverStopped', reason: 'crashed 6 times' },
    );
    assert.deepEqual(state.tasks, {});
    assert.equal(state.build, undefined);
    assert.equal(view(state).text, '$(error) Eghact: stopped');
    assert.match(view(state).tooltip, /crashed 6 times/);
  });

  test('shows a restart with its attempt and delay, keeping the last result for later', () => {
    const state = run(ready, { type: 'buildCompleted', params: summary, at }, { type: 'serverRestarting', attempt: 2, delayMs: 2000 });
    assert.equal(view(state).text, '$(sync~spin) Eghact: restarting');
    assert.equal(view(state).tooltip, 'The language server stopped; restart 2 in 2 s.');
    assert.equal(view(reduce(state, ready)).text, '$(check) Eghact: 0 errors · 90% cached · 340 ms');
  });

  test('formats shares and durations', () => {
    assert.equal(cachedPercent(0, 0), '—');
    assert.equal(cachedPercent(3, 1), '67%');
    assert.equal(duration(999), '999 ms');
    assert.equal(duration(61_250), '61.3 s');
  });
});
