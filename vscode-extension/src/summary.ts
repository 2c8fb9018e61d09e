/**
 * The "Show Build Summary" report: the last build's summary and the files it reported, as
 * Markdown for a read-only document. Pure, so the wording is unit-tested.
 */

import { isFailure } from './protocol';
import type { FinishedBuild } from './status';
import { cachedPercent, duration, plural } from './status';

export function buildReport(last: FinishedBuild | undefined): string {
  if (last === undefined) {
    return '# Eghact build summary\n\nNo build has finished since the language server started. ' +
      'Save an `.egh` file or run **Eghact: Build Workspace**.\n';
  }
  const lines = ['# Eghact build summary', '', `Finished ${last.at.toLocaleString()} (${last.remote ? 'remote' : 'local'} build).`, ''];
  const result = last.result;
  if (isFailure(result)) {
    lines.push(`The build failed: ${result.error}`, '');
    return lines.join('\n');
  }
  lines.push(
    `${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')}, ${duration(result.elapsedMs)}; ` +
      `${cachedPercent(result.files, result.misses)} of the components came from the cache or were unchanged.`,
    '',
    '| components | compiled | from the cache | unchanged | errors | warnings | time |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${result.files} | ${result.misses} | ${result.hits} | ${result.unchanged} | ${result.errors} | ${result.warnings} | ${duration(result.elapsedMs)} |`,
    '',
  );
  if (last.files.length > 0) {
    const sample = last.files.length < result.files ? ` (${last.files.length} of ${result.files}: the server reports at most one per percent)` : '';
    lines.push(`## Files reported during the build${sample}`, '', ...last.files.map((file) => `- \`${file.path}\`: ${file.cache}`), '');
  }
  lines.push('Errors and warnings are listed in the Problems panel.', '');
  return lines.join('\n');
}
