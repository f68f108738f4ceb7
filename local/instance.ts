import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { commandLineOf } from './processes';

/** The leadflow running on a state folder: its process and where its API listens. */
export interface RunningInstance {
  readonly pid: number;
  readonly apiUrl: string;
}

/** The script `npm start` runs: a recorded pid whose command line lacks it was reused by another program. */
const START_SCRIPT = 'local/start.ts';

function recorded(file: string): RunningInstance | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, apiUrl } = value as { pid?: unknown; apiUrl?: unknown };
    return typeof pid === 'number' && typeof apiUrl === 'string' ? { pid, apiUrl } : undefined;
  } catch {
    return undefined;
  }
}

export type Claim =
  | { readonly claimed: true; update(apiUrl: string): void; release(): void }
  | { readonly claimed: false; readonly running: RunningInstance };

/**
 * Claims the state folder for this process by creating `file` exclusively, so two starts cannot both
 * win. A file left by a start that was killed (its process gone, or its pid now another program's)
 * is replaced; one naming a leadflow that still runs is not, and the claim says which one it is.
 */
export function claimInstance(file: string, apiUrl: string): Claim {
  const write = (url: string, flag: 'wx' | 'w') => writeFileSync(file, `${JSON.stringify({ pid: process.pid, apiUrl: url })}\n`, { flag, mode: 0o600 });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      write(apiUrl, 'wx');
      return {
        claimed: true,
        update: (url) => write(url, 'w'),
        release: () => {
          if (recorded(file)?.pid === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
    const running = recorded(file);
    if (running && commandLineOf(running.pid)?.includes(START_SCRIPT)) return { claimed: false, running };
    rmSync(file, { force: true });
  }
  throw new Error(`${file} was created again while it was being replaced: is another leadflow starting?`);
}
