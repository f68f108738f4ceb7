import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, removeLeftByEndedProcesses } from '../local/processes';

/** The prefix of a test run's temporary folder, in the machine's own; the run's pid and a dash follow it. */
export const RUN_TEMPORARY_PREFIX = 'leadflow-test-tmp-';
const LEFT_BY_RUN = new RegExp(`^${RUN_TEMPORARY_PREFIX}(\\d+)-`);

/**
 * The processes still running whose environment was given `folder` as TMPDIR: what the run started
 * (a process's environment as it was started, which /proc keeps). None where there is no /proc.
 */
function startedWithTemporaryFolder(folder: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const entry = `TMPDIR=${folder}\0`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return `\0${readFileSync(`/proc/${name}/environ`, 'latin1')}`.includes(`\0${entry}`);
      } catch {
        // Gone, or another user's.
        return false;
      }
    })
    .map(Number)
    .filter(isRunning);
}

/**
 * A temporary folder for one test run, made the process's TMPDIR so that workers, the browsers they
 * launch and every process they start inherit it. What a process killed mid-run cannot remove (a
 * Chromium killed by a test or at its worker's exit leaves its singleton folder and Playwright's
 * profile, about 1.5 MB) is removed with the folder at the run's end, once the processes the run
 * started have ended: a Chromium's crash reporter outlives its worker by a moment and writes in its
 * profile, which a removal beside it met as ENOTEMPTY or saw made again. `remove()` gives the process
 * its TMPDIR back. A run killed before its end (a kill -9 of `vitest`) cannot remove its folder: the
 * folder's name carries the run's pid, and the next run removes those whose run has ended.
 */
export function runTemporaryFolder(): { readonly path: string; remove(): Promise<void> } {
  const had = Object.hasOwn(process.env, 'TMPDIR') ? process.env.TMPDIR : undefined;
  removeLeftByEndedProcesses(tmpdir(), (name) => LEFT_BY_RUN.exec(name)?.[1]);
  const path = mkdtempSync(join(tmpdir(), `${RUN_TEMPORARY_PREFIX}${process.pid}-`));
  process.env.TMPDIR = path;
  return {
    path,
    async remove() {
      if (had === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = had;
      const deadline = Date.now() + PROCESSES_END_MS;
      while (startedWithTemporaryFolder(path).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      try {
        rmSync(path, { recursive: true, force: true });
      } catch (error) {
        const still = startedWithTemporaryFolder(path);
        console.warn(`test teardown: ${path} was not removed (${(error as NodeJS.ErrnoException).code ?? String(error)}; processes of the run still running: ${still.join(', ') || 'none'}); the next run removes it`);
      }
    },
  };
}

/** How long the removal waits for the processes the run started to end (a Chromium's crash reporter takes milliseconds). */
const PROCESSES_END_MS = 10_000;
