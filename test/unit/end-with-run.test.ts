import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { isRunning, waitForExit } from '../../local/processes';
import config from '../../vitest.config';

const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const KILLED_RUN_CONFIG = fileURLToPath(new URL('../fixtures/killed-run/vitest.config.ts', import.meta.url));
/** The fixture's file waits two minutes; its worker must be gone well before. */
const WORKER_END_DEADLINE_MS = 15_000;

describe('a test worker whose run was killed (test/end-with-run.ts, promise 20)', () => {
  it('is set up before every file of every project of npm test', () => {
    const projects = config.test?.projects ?? [];
    expect(projects.length).toBeGreaterThan(0);
    for (const project of projects) {
      const setupFiles = typeof project === 'object' && 'test' in project ? project.test?.setupFiles : undefined;
      expect([setupFiles].flat(), JSON.stringify(project)).toContain('test/end-with-run.ts');
    }
  });

  it('ends within seconds of a kill -9 of the vitest that started it, in the middle of a file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'leadflow-killed-run-'));
    const pidFile = join(folder, 'worker.pid');
    // The run's own variables would tell the nested vitest it is a worker of this one.
    const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
    const run = spawn(process.execPath, [VITEST, 'run', '--config', KILLED_RUN_CONFIG], { env: { ...environment, LEADFLOW_WORKER_PID_FILE: pidFile }, stdio: 'ignore' });
    const runEnded = new Promise((resolve) => run.once('exit', resolve));
    let workerPid: number | undefined;
    try {
      workerPid = Number(await vi.waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8'), { timeout: 60_000, interval: 100 }));
      expect(isRunning(workerPid)).toBe(true);
      run.kill('SIGKILL');
      await runEnded;
      expect(await waitForExit(workerPid, WORKER_END_DEADLINE_MS), `the worker still runs ${WORKER_END_DEADLINE_MS} ms after its vitest was killed`).toBe(true);
    } finally {
      run.kill('SIGKILL');
      if (workerPid !== undefined && isRunning(workerPid)) process.kill(workerPid, 'SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
