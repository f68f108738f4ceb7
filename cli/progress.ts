import { CliError } from './errors';

/** How often progress is read, and how long without a change means stuck; tests shorten both. */
export interface ProgressTiming {
  readonly pollMs?: number;
  readonly stallMs?: number;
}

/** One reading: finished with a result, or still going at some progress (anything comparable with ===). */
export type ProgressReading<T> = { readonly finished: true; readonly result: T } | { readonly finished: false; readonly progress: unknown };

const DEFAULT_POLL_MS = 1000;
const DEFAULT_STALL_MS = 5 * 60_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads progress (each reading prints itself) until it is finished; refuses with `stalled(seconds)`
 * once the progress has not changed for the stall time, so a stuck job does not hold the terminal forever.
 */
export async function followProgress<T>(timing: ProgressTiming, read: () => Promise<ProgressReading<T>>, stalled: (seconds: number) => string): Promise<T> {
  const stallMs = timing.stallMs ?? DEFAULT_STALL_MS;
  let lastChange: { at: number; progress?: unknown } = { at: Date.now() };
  for (;;) {
    const reading = await read();
    if (reading.finished) return reading.result;
    if (!('progress' in lastChange) || reading.progress !== lastChange.progress) lastChange = { at: Date.now(), progress: reading.progress };
    if (Date.now() - lastChange.at > stallMs) throw new CliError(stalled(Math.round(stallMs / 1000)));
    await sleep(timing.pollMs ?? DEFAULT_POLL_MS);
  }
}
