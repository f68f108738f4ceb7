import { inParallel } from './in-parallel';
import type { Enrolments, JourneyVersions } from './journey-runner';
import { moveTarget } from './journey-enrolments';
import type { JourneyRecords } from './journeys';
import type { Log } from './ports';
import { Conflict, InvalidInput, NotFound } from '../domain/errors';
import type { JourneyDefinition } from '../domain/journeys/definition';
import { moveEnrolment } from '../domain/journeys/move';
import type { MoveAll, MoveAllCounts } from '../domain/journeys/records';
import type { LeadCursor } from '../domain/lead-listing';

export type { MoveAll };

/** The stored move of every lead, one per journey, saved at its revision so two callers never walk the same pages. */
export interface MoveAllRecords {
  read(journeyId: string): Promise<(MoveAll & { readonly rev: number }) | undefined>;
  /** Saves the move if it is still at `rev` (0: none stored); false when another caller moved it on. */
  save(move: MoveAll, rev: number): Promise<boolean>;
}

export interface MoveAllDependencies {
  readonly journeys: Pick<JourneyRecords, 'get'>;
  readonly versions: Pick<JourneyVersions, 'definition'>;
  readonly enrolments: Pick<Enrolments, 'get' | 'save'>;
  /** Every lead id, page by page, from a cursor; no cursor back: the last page. */
  readonly leadIds: { listLeadIds(limit: number, cursor: LeadCursor): Promise<{ leadIds: string[]; cursor?: LeadCursor }> };
  readonly records: MoveAllRecords;
  readonly log: Log;
}

const PAGE = 200;
/** Enrolment reads and moves at once: each is one small read or conditional write under its own lead. */
const AT_ONCE = 25;
/** A moved enrolment's save finds a newer revision when its runner moved it meanwhile: read and decide again, this often. */
const MOVE_ATTEMPTS = 3;
const NO_COUNTS: MoveAllCounts = { leadsRead: 0, moved: 0, alreadyThere: 0, ended: 0, refused: 0, changedMeanwhile: 0 };

const refusalOf = (move: MoveAll) =>
  new InvalidInput(
    `Cannot move every lead to version ${move.version}, nobody moved: ${move.refusals.map((refusal) => `${refusal.leads} lead(s) cannot move: ${refusal.reason}`).join('; ')}`,
    move.refusals.map((refusal) => ({ field: 'version', message: `${refusal.leads} lead(s) cannot move: ${refusal.reason}` })),
  );

/**
 * Moves every enrolled lead of a journey to a newer version (the published one unless named), as
 * `Journeys.move` moves named leads: steps map by id, each save conditional on the enrolment's
 * revision. Enrolments live under their lead, so the move pages through the lead listing and reads
 * each lead's enrolment of the journey. Each call works until its deadline and stores its cursor; the
 * next call (or the CLI's next round) goes on from there, however many leads there are. Every lead is
 * checked before anyone moves: one waiting at a step the version lacks refuses the whole move (400
 * naming the step and how many leads wait there).
 */
export class JourneyMoveAll {
  constructor(private readonly deps: MoveAllDependencies) {}

  /** The move of every lead stored for the journey, if one was started. */
  async progress(journeyId: string): Promise<MoveAll> {
    const stored = await this.deps.records.read(journeyId);
    if (!stored) throw new NotFound(`No move of every lead of journey ${journeyId} was started`);
    const { rev: _rev, ...move } = stored;
    return move;
  }

  /**
   * Starts (or goes on with) the move of every lead to `requestedVersion` (default the published one),
   * until `deadline` (epoch ms; at least one page is done). A finished or refused move, or one to
   * another version, is started afresh. Throws InvalidInput when the check finds leads the version
   * cannot place.
   */
  async run(journeyId: string, requestedVersion: number | undefined, deadline: number, now = new Date()): Promise<MoveAll> {
    const journey = await this.deps.journeys.get(journeyId);
    if (!journey) throw new NotFound(`No journey ${journeyId}`);
    const { version, target } = await moveTarget(this.deps.versions, journey, requestedVersion);

    const stored = await this.deps.records.read(journeyId);
    let rev = stored?.rev ?? 0;
    const at = now.toISOString();
    let move: MoveAll =
      stored && stored.version === version && (stored.phase === 'checking' || stored.phase === 'moving')
        ? stored
        : { journeyId, version, phase: 'checking', cursor: { shard: 0 }, enrolled: 0, refusals: [], counts: NO_COUNTS, startedAt: at, updatedAt: at };
    if (move !== stored) {
      if (!(await this.deps.records.save(move, rev))) throw new Conflict(`A move of every lead of journey ${journeyId} was started meanwhile; read its progress`);
      rev += 1;
    }

    let pages = 0;
    while (move.phase === 'checking' || move.phase === 'moving') {
      if (pages > 0 && Date.now() >= deadline) break;
      pages += 1;
      const page = await this.deps.leadIds.listLeadIds(PAGE, move.cursor ?? { shard: 0 });
      move = move.phase === 'checking' ? await this.checkPage(move, target, page.leadIds) : await this.movePage(move, target, page.leadIds);
      move = { ...move, updatedAt: new Date().toISOString() };
      if (page.cursor) move = { ...move, cursor: page.cursor };
      else {
        const { cursor: _done, ...ended } = move;
        if (move.phase === 'checking') move = move.refusals.length ? { ...ended, phase: 'refused' } : { ...ended, phase: 'moving', cursor: { shard: 0 }, counts: NO_COUNTS };
        else move = { ...ended, phase: 'done' };
      }
      if (!(await this.deps.records.save(move, rev))) throw new Conflict(`Another request moved the leads of journey ${journeyId} on meanwhile; read its progress`);
      rev += 1;
    }
    if (move.phase === 'refused') throw refusalOf(move);
    if (move.phase === 'done') this.deps.log.info('Journey enrolments all moved', { journeyId, version, moved: move.counts.moved });
    return move;
  }

  /** Counts the page's enrolled leads, and the ones the version cannot place, by step. */
  private async checkPage(move: MoveAll, target: JourneyDefinition, leadIds: readonly string[]): Promise<MoveAll> {
    let enrolled = move.enrolled;
    const refusals = new Map(move.refusals.map((refusal) => [refusal.stepId, refusal]));
    const failures = await inParallel(
      leadIds.map((leadId) => async () => {
        const stored = await this.deps.enrolments.get(leadId, move.journeyId);
        if (!stored) return;
        enrolled += 1;
        const decision = moveEnrolment(stored, target, move.version);
        if (decision.outcome !== 'refused') return;
        const { stepId, reason } = decision;
        const seen = refusals.get(stepId);
        refusals.set(stepId, { stepId, leads: (seen?.leads ?? 0) + 1, reason: seen?.reason ?? reason });
      }),
      AT_ONCE,
    );
    if (failures.length) throw failures[0];
    return { ...move, enrolled, refusals: [...refusals.values()], counts: { ...move.counts, leadsRead: move.counts.leadsRead + leadIds.length } };
  }

  /** Moves the page's enrolled leads, each saved at the revision it read. */
  private async movePage(move: MoveAll, target: JourneyDefinition, leadIds: readonly string[]): Promise<MoveAll> {
    const counts = { ...move.counts, leadsRead: move.counts.leadsRead + leadIds.length };
    const failures = await inParallel(
      leadIds.map((leadId) => async () => {
        for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
          const stored = await this.deps.enrolments.get(leadId, move.journeyId);
          if (!stored) return;
          const decision = moveEnrolment(stored, target, move.version);
          if (decision.outcome === 'refused') {
            counts.refused += 1;
            return;
          }
          if (decision.outcome !== 'move') {
            if (decision.outcome === 'ended') counts.ended += 1;
            else counts.alreadyThere += 1;
            return;
          }
          if (await this.deps.enrolments.save(decision.enrolment, stored.rev, [])) {
            counts.moved += 1;
            return;
          }
        }
        counts.changedMeanwhile += 1;
      }),
      AT_ONCE,
    );
    if (failures.length) throw failures[0];
    return { ...move, counts };
  }
}
