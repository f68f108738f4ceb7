/**
 * DynamoDB Local runs every table call of every function through one SQLite thread, on the same two
 * cores as the functions: when a burst of qualifications sets off journeys, webhooks, the lifecycle's
 * records and segments, the scoring path's calls wait behind theirs (score-lead's calls took 80-130 ms
 * each at the bench's full load, run-journeys' 17). In AWS nothing makes them wait: DynamoDB serves each
 * call on its own and each function has its own CPU. So the local stack lets the functions users wait
 * on go first: those on the scoring path of the manifest (`latencyPath: 'scoring'`) and those a person
 * or a page waits on (HTTP). The alert path (alert-sales) waits with the others: its promise is
 * minutes (MqlAlertLatency), the score's a second, and putting it first kept the full-load p99 over
 * 1 s (1.15-1.16 s against 0.84-0.85, docs/performance.md, 2026-12-02). While one of them has a call in flight, or had one within
 * FIRST_RECENTLY_MS, the other functions' calls go OTHERS_WHILE_FIRST_BUSY at a time between them; the
 * rest of the time they go as they come. Nothing is refused or reordered within a function, and the total
 * work is the same: what a qualification sets off finishes later under load, the scores sooner.
 *
 * The state is shared by every function's worker thread (a SharedArrayBuffer): totals, the time of the
 * first group's last call, and what each worker holds, so that a worker that crashes or is terminated
 * in the middle of a call gives its turns back (`leave`).
 */
import type { InitializeHandler, InitializeHandlerArguments, InitializeMiddleware } from '@smithy/types';
import type { FunctionSpec } from '../manifest/types';
import { addToEveryTableClient } from './every-table-client';

/**
 * One: against two, the bench's interleaved phase scored 85.3 and 80.6 events a second against 77.0
 * and 72.5, and all it set off finished sooner (docs/performance.md, 2026-12-02).
 */
export const OTHERS_WHILE_FIRST_BUSY = 1;
/** The first group's calls come in quick succession (a handler's next call follows its last by a few ms). */
export const FIRST_RECENTLY_MS = 50;
/** Worker slots: a stack runs one worker a function and more only when one is saturated (local/lambda.ts). */
const MAX_WORKERS = 512;

const OTHERS_IN_FLIGHT = 0;
const FIRST_IN_FLIGHT = 1;
const HEADER = 2;
/** A worker's calls in flight, after the header: all of them in its function's group. */
const held = (slot: number) => HEADER + slot;
const inFlightOf = (group: TableCallGroup) => (group === 'others' ? OTHERS_IN_FLIGHT : FIRST_IN_FLIGHT);

export type TableCallGroup = 'first' | 'others';

/** Which group a function's table calls are in. */
export const tableCallGroupOf = (fn: FunctionSpec): TableCallGroup => (fn.trigger.kind === 'http' || fn.latencyPath === 'scoring' ? 'first' : 'others');

/** What a function's worker is given to take its turns (crosses to the worker in its `workerData`). */
export interface TableCallTurns {
  /** The counts in flight, each group's and each worker's (Int32). */
  readonly state: SharedArrayBuffer;
  /** When the first group's last call answered, in epoch milliseconds (BigInt64: an Int32 would wrap within a month). */
  readonly firstLastAnswered: SharedArrayBuffer;
  readonly slot: number;
  readonly group: TableCallGroup;
}

/** The stack's side: a slot for each worker while it lives. */
export interface TableCallPriority {
  /** A worker starts: the turns it takes its calls by. */
  enter(group: TableCallGroup): TableCallTurns;
  /** The worker ended, however: whatever it held is given back. */
  leave(turns: TableCallTurns): void;
}

export function tableCallPriority(): TableCallPriority {
  const state = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (HEADER + MAX_WORKERS));
  const counts = new Int32Array(state);
  const firstLastAnswered = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  const free = Array.from({ length: MAX_WORKERS }, (_, slot) => MAX_WORKERS - 1 - slot);
  return {
    enter(group) {
      const slot = free.pop();
      if (slot === undefined) throw new Error(`more than ${MAX_WORKERS} function workers at once`);
      return { state, firstLastAnswered, slot, group };
    },
    leave(turns) {
      Atomics.sub(counts, inFlightOf(turns.group), Atomics.exchange(counts, held(turns.slot), 0));
      Atomics.notify(counts, OTHERS_IN_FLIGHT);
      free.push(turns.slot);
    },
  };
}

/** The worker's side: a turn before each call, given back once it answered. */
export interface TableTurn {
  take(): Promise<void>;
  giveBack(): void;
}

export function tableTurn({ state, firstLastAnswered, slot, group }: TableCallTurns): TableTurn {
  const counts = new Int32Array(state);
  const lastAnswered = new BigInt64Array(firstLastAnswered);
  if (group === 'first') {
    return {
      take: async () => {
        Atomics.add(counts, held(slot), 1);
        Atomics.add(counts, FIRST_IN_FLIGHT, 1);
      },
      giveBack: () => {
        Atomics.store(lastAnswered, 0, BigInt(Date.now()));
        Atomics.sub(counts, held(slot), 1);
        Atomics.sub(counts, FIRST_IN_FLIGHT, 1);
      },
    };
  }
  /** How long the first group still counts as busy: 0 once it has been quiet for FIRST_RECENTLY_MS. */
  const firstBusyFor = () => (Atomics.load(counts, FIRST_IN_FLIGHT) > 0 ? FIRST_RECENTLY_MS : Math.max(0, Number(Atomics.load(lastAnswered, 0)) + FIRST_RECENTLY_MS - Date.now()));
  return {
    take: async () => {
      for (;;) {
        const inFlight = Atomics.load(counts, OTHERS_IN_FLIGHT);
        const busyFor = firstBusyFor();
        if (busyFor === 0 || inFlight < OTHERS_WHILE_FIRST_BUSY) {
          if (Atomics.compareExchange(counts, OTHERS_IN_FLIGHT, inFlight, inFlight + 1) !== inFlight) continue;
          Atomics.add(counts, held(slot), 1);
          return;
        }
        // Woken when another call of the group answers; else looked at again when the first group may have gone quiet.
        const waiting = Atomics.waitAsync(counts, OTHERS_IN_FLIGHT, inFlight, busyFor);
        if (waiting.async) await waiting.value;
      }
    },
    giveBack: () => {
      Atomics.sub(counts, held(slot), 1);
      Atomics.sub(counts, OTHERS_IN_FLIGHT, 1);
      Atomics.notify(counts, OTHERS_IN_FLIGHT, 1);
    },
  };
}

/** Takes a turn before the call and gives it back once the call answered or failed. */
export function tableTurnsMiddleware<Input extends object, Output extends object>(turn: TableTurn): InitializeMiddleware<Input, Output> {
  return (next: InitializeHandler<Input, Output>) => async (args: InitializeHandlerArguments<Input>) => {
    await turn.take();
    try {
      return await next(args);
    } finally {
      turn.giveBack();
    }
  };
}

/** Makes every DynamoDB client of this thread (a function's worker) take a turn before each call. */
export function takeTableTurns(turns: TableCallTurns): void {
  // Outermost: the call's own time, which the capacity reports give, does not count the wait for its turn.
  addToEveryTableClient(tableTurnsMiddleware<object, object>(tableTurn(turns)), { name: 'leadflowLocalTableTurns', priority: 'high' });
}
