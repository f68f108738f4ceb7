import type { Enrolments, JourneyVersions } from './journey-runner';
import type { JourneyRecords } from './journeys';
import type { EventPublisher, LeadReader, Log } from './ports';
import { Conflict, InvalidInput, NotFound } from '../domain/errors';
import { DetailType } from '../domain/events';
import type { Journey, JourneyDefinition } from '../domain/journeys/definition';
import { moveEnrolment } from '../domain/journeys/move';

export interface JourneyEnrolmentsDependencies {
  readonly journeys: Pick<JourneyRecords, 'get'>;
  readonly leads: LeadReader;
  readonly publisher: EventPublisher;
  /** The versions (never changed) and enrolments a move reads and saves, as the runner does. */
  readonly versions: Pick<JourneyVersions, 'definition'>;
  readonly enrolments: Pick<Enrolments, 'get' | 'save'>;
  readonly log: Log;
}

/** What a move did to each lead named. */
export type MoveOutcome = 'moved' | 'already-there' | 'ended' | 'not-enrolled' | 'changed-meanwhile';

/** A moved enrolment's save finds a newer revision when its runner moved it meanwhile: read and decide again, this often. */
const MOVE_ATTEMPTS = 3;

/** Enrolling a lead by hand and moving named enrolled leads to a newer version (every lead: journey-move-all.ts). */
export class JourneyEnrolments {
  constructor(private readonly deps: JourneyEnrolmentsDependencies) {}

  /** Enrols a lead by hand (any entry kind): the runner enters it once its re-entry rule allows. */
  async enrol(journeyId: string, leadId: string): Promise<{ journeyId: string; leadId: string; status: 'requested' }> {
    const journey = await this.existing(journeyId);
    if (journey.status !== 'published') throw new Conflict(`Journey ${journeyId} is ${journey.status}; leads enter published journeys only`);
    if (!(await this.deps.leads.getLead(leadId))) throw InvalidInput.field('leadId', `names no lead: ${leadId}`);
    await this.deps.publisher.publish([{ detailType: DetailType.JourneyEnrolmentRequested, detail: { version: 1, correlationId: `${journeyId}:${leadId}`, journeyId, leadId } }]);
    return { journeyId, leadId, status: 'requested' };
  }

  /**
   * Moves enrolled leads to a newer version (the published one unless named), steps mapped by id. Every
   * lead is checked first: one waiting at a step the version lacks (or has as another kind of step)
   * refuses the whole request, naming the lead and the step, and nothing changes. Each move is saved
   * at the revision read, as the runner saves, so a step under way is never done twice.
   */
  async move(journeyId: string, leadIds: readonly string[], requestedVersion?: number): Promise<{ journeyId: string; version: number; leads: { leadId: string; outcome: MoveOutcome }[] }> {
    const { version, target } = await moveTarget(this.deps.versions, await this.existing(journeyId), requestedVersion);

    const decide = async (leadId: string) => {
      const stored = await this.deps.enrolments.get(leadId, journeyId);
      return { stored, decision: stored ? moveEnrolment(stored, target, version) : undefined };
    };
    const checked = await Promise.all(leadIds.map(decide));
    const refusals = checked.flatMap(({ decision }, index) => (decision?.outcome === 'refused' ? [{ field: `leadIds.${index}`, message: `cannot move: ${decision.reason}` }] : []));
    if (refusals.length) throw new InvalidInput(`Cannot move ${refusals.length} lead(s) to version ${version}: ${refusals.map((issue) => issue.message).join('; ')}`, refusals);

    const leads: { leadId: string; outcome: MoveOutcome }[] = [];
    for (const [index, leadId] of leadIds.entries()) {
      let { stored, decision } = checked[index] as Awaited<ReturnType<typeof decide>>;
      let outcome: MoveOutcome = 'changed-meanwhile';
      for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
        if (!stored || !decision) {
          outcome = 'not-enrolled';
          break;
        }
        if (decision.outcome === 'refused') break;
        if (decision.outcome !== 'move') {
          outcome = decision.outcome;
          break;
        }
        if (await this.deps.enrolments.save(decision.enrolment, stored.rev, [])) {
          outcome = 'moved';
          break;
        }
        ({ stored, decision } = await decide(leadId));
      }
      leads.push({ leadId, outcome });
    }
    this.deps.log.info('Journey enrolments moved', { journeyId, version, moved: leads.filter((lead) => lead.outcome === 'moved').length, named: leadIds.length });
    return { journeyId, version, leads };
  }

  private async existing(journeyId: string): Promise<Journey> {
    const journey = await this.deps.journeys.get(journeyId);
    if (!journey) throw new NotFound(`No journey ${journeyId}`);
    return journey;
  }
}

/**
 * The version enrolled leads move to (the published one unless named) and its definition, for a move of
 * named leads and of every lead alike: leads move only within a published or paused journey, and only
 * to a version that was published.
 */
export async function moveTarget(versions: Pick<JourneyVersions, 'definition'>, journey: Journey, requestedVersion: number | undefined): Promise<{ version: number; target: JourneyDefinition }> {
  if (journey.status !== 'published' && journey.status !== 'paused') throw new Conflict(`Journey ${journey.id} is ${journey.status}; leads move within published or paused journeys`);
  const published = journey.publishedVersion ?? 0;
  const version = requestedVersion ?? published;
  if (version > published) throw InvalidInput.field('version', `must be a published version (1 to ${published})`);
  const target = await versions.definition(journey.id, version);
  if (!target) throw InvalidInput.field('version', `journey ${journey.id} has no version ${version}`);
  return { version, target };
}
