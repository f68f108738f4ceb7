import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLineOf } from './processes';

/**
 * A folder where every DynamoDB Local started while it is set leaves a file naming its process. The
 * test run sets it (test/global-setup.ts): a test worker that crashes or is killed never stops its
 * stack, and the run's teardown kills what such a worker left behind.
 */
export const CHILD_PID_DIR_VARIABLE = 'LEADFLOW_CHILD_PID_DIR';

/** Records a child in the folder named by the variable, if set, until the child exits. */
export function recordChildProcess(child: ChildProcess): void {
  const folder = process.env[CHILD_PID_DIR_VARIABLE];
  if (!folder || child.pid === undefined) return;
  const file = join(folder, String(child.pid));
  // The command line is kept so a later kill can tell the process from another that reuses its id.
  writeFileSync(file, commandLineOf(child.pid) ?? '');
  child.once('exit', () => rmSync(file, { force: true }));
}

/** The recorded processes still running as recorded (not another process that took the id since). */
export function recordedChildrenAlive(folder: string): number[] {
  return readdirSync(folder)
    .map((name) => ({ pid: Number(name), recorded: readFileSync(join(folder, name), 'utf8') }))
    .filter(({ pid, recorded }) => Number.isInteger(pid) && recorded !== '' && commandLineOf(pid) === recorded)
    .map(({ pid }) => pid);
}

/** Kills (SIGKILL) every recorded process still running as recorded and forgets them all; the ids killed. */
export function killRecordedChildren(folder: string): number[] {
  const killed = recordedChildrenAlive(folder).filter((pid) => {
    try {
      process.kill(pid, 'SIGKILL');
      return true;
    } catch {
      // It exited between the look and the kill.
      return false;
    }
  });
  for (const name of readdirSync(folder)) rmSync(join(folder, name), { force: true });
  return killed;
}
