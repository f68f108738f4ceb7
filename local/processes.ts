import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The command line of a running process, or undefined when none runs with that pid. A zombie (exited,
 * not yet reaped by its parent) counts as gone: it holds no port and no file.
 */
export function commandLineOf(pid: number): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (existsSync('/proc/self/stat')) {
    try {
      // The state follows the command name, which is in parentheses and may itself hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined;
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return undefined;
    }
  }
  try {
    const [state = '', ...command] = execFileSync('ps', ['-o', 'stat=,command=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/);
    return state.startsWith('Z') ? undefined : command.join(' ');
  } catch {
    return undefined;
  }
}

export const isRunning = (pid: number) => commandLineOf(pid) !== undefined;

/**
 * Removes what processes left in `folder` under names that carry their pid (`pidOf` reads it from a
 * name, undefined for other entries), once those processes have ended: what a kill -9 left mid-way.
 */
export function removeLeftByEndedProcesses(folder: string, pidOf: (name: string) => string | undefined): void {
  for (const name of existsSync(folder) ? readdirSync(folder) : []) {
    const pid = pidOf(name);
    if (pid !== undefined && !isRunning(Number(pid))) rmSync(join(folder, name), { recursive: true, force: true });
  }
}

/** Waits until `pid` is gone; false when it still runs after `deadlineMs`. */
export async function waitForExit(pid: number, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Ends a process: SIGTERM, then SIGKILL when it is still there after `graceMs`. Resolves once it is gone. */
export async function stopProcess(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // Gone already.
    }
  };
  signal('SIGTERM');
  if (await waitForExit(pid, graceMs)) return;
  signal('SIGKILL');
  if (!(await waitForExit(pid, graceMs))) throw new Error(`process ${pid} did not exit after SIGKILL`);
}
