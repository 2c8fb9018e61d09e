import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { buildReport } from '../../src/summary';

const at = new Date(0);

describe('buildReport', () => {
  test('says how to get a build when there is none', () => {
    assert.match(buildReport(undefined), /No build has finished since the language server started/);
  });

  test('lists the summary and the files the build reported, marking a sample as such', () => {
    const report = buildReport({
      result: { version: 1, files: 3, unchanged: 0, hits: 1, misses: 1, remote: 0, errors: 2, warnings: 1, elapsedMs: 1200 },
      remote: false,
      at,
      files: [
        { path: 'src/App.egh', cache: 'miss' },
        { path: 'src/Row.egh', cache: 'hit' },
      ],
    });
    assert.match(report, /local build/);
    assert.match(report, /2 errors, 1 warning, 1\.2 s; 67% of the components came from the cache or were unchanged\./);
    assert.match(report, /\| 3 \| 1 \| 1 \| 0 \| 2 \| 1 \| 1\.2 s \|/);
    assert.match(report, /## Files reported during the build \(2 of 3: the server reports at most one per percent\)/);
    assert.match(report, /- `src\/App\.egh`: miss\n- `src\/Row\.egh`: hit/);
  });

  test('reports a build that could not run', () => {
    const report = buildReport({ result: { error: 'cannot read eghact.toml' }, remote: true, at, files: [] });
    assert.match(report, /remote build/);
    assert.match(report, /The build failed: cannot read eghact\.toml/);
  });
});
