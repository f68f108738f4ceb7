import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeLeftByEndedProcesses } from '../local/processes';

/** The prefix of a test run's temporary folder, in the machine's own; the run's pid and a dash follow it. */
export const RUN_TEMPORARY_PREFIX = 'leadflow-test-tmp-';
const LEFT_BY_RUN = new RegExp(`^${RUN_TEMPORARY_PREFIX}(\\d+)-`);

/**
 * A temporary folder for one test run, made the process's TMPDIR so that workers, the browsers they
 * launch and every process they start inherit it. What a process killed mid-run cannot remove (a
 * Chromium killed by a test or at its worker's exit leaves its singleton folder and Playwright's
 * profile, about 1.5 MB) is removed with the folder at the run's end. `remove()` gives the process
 * its TMPDIR back. A run killed before its end (a kill -9 of `vitest`) cannot remove its folder: the
 * folder's name carries the run's pid, and the next run removes those whose run has ended.
 */
export function runTemporaryFolder(): { readonly path: string; remove(): void } {
  const had = Object.hasOwn(process.env, 'TMPDIR') ? process.env.TMPDIR : undefined;
  removeLeftByEndedProcesses(tmpdir(), (name) => LEFT_BY_RUN.exec(name)?.[1]);
  const path = mkdtempSync(join(tmpdir(), `${RUN_TEMPORARY_PREFIX}${process.pid}-`));
  process.env.TMPDIR = path;
  return {
    path,
    remove() {
      if (had === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = had;
      rmSync(path, { recursive: true, force: true });
    },
  };
}
