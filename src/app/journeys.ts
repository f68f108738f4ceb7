import { randomUUID } from 'node:crypto';
import type { Log, SubscriptionCatalogueReader } from './ports';
import type { TemplateVersions } from './template-resolver';
import { contentOf } from '../domain/campaigns/template-versions';
import { Conflict, InvalidInput, NotFound } from '../domain/errors';
import { JOURNEY_CONTROLS, type Journey, type JourneyControl, type JourneyDefinition, type JourneyStatus, type Step } from '../domain/journeys/definition';
import { issuePath, journeyIssues, type JourneyIssue } from '../domain/journeys/validate';
import type { JourneyReport } from '../domain/journeys/records';
import type { Page, PageRequest } from '../domain/page';
import { isSubscriptionType, subscriptionTypeIssue } from '../domain/subscriptions';

/** The stored journeys, as the admin use cases need them; every change is conditional on what was read. */
export interface JourneyRecords {
  create(journey: Journey): Promise<void>;
  get(journeyId: string): Promise<Journey | undefined>;
  list(request: PageRequest): Promise<Page<Journey>>;
  saveDraft(journeyId: string, draft: JourneyDefinition, updatedAt: string, at: string): Promise<boolean>;
  publish(journeyId: string, version: number, previous: number | undefined, definition: JourneyDefinition, at: string): Promise<boolean>;
  setStatus(journeyId: string, from: readonly JourneyStatus[], to: JourneyStatus, at: string): Promise<boolean>;
  counters(journeyId: string): Promise<Record<string, number>>;
}

export interface JourneysDependencies {
  readonly journeys: JourneyRecords;
  readonly templates: TemplateVersions;
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly log: Log;
}

const invalid = (issues: readonly JourneyIssue[], prefix: string) =>
  new InvalidInput(`Invalid journey: ${issues.length} problem(s)`, issues.map((issue) => ({ field: `${prefix}${issuePath(issue)}`, message: issue.message })));

/** Drafting, validating, publishing, controlling and reporting journeys (enrolling and moving leads by hand: journey-enrolments.ts). */
export class Journeys {
  constructor(private readonly deps: JourneysDependencies) {}

  /** Problems of a definition with its stored references checked (templates, subscription types), each with its path. */
  async issues(definition: JourneyDefinition): Promise<JourneyIssue[]> {
    const templateIds = new Set<string>();
    for (const step of definition.steps) {
      if (step.type === 'send_email' && 'templateId' in step.template && (await this.deps.templates.get(step.template.templateId))) templateIds.add(step.template.templateId);
    }
    // The types the steps name: mail goes out and opt-ins are taken under active types only; an
    // archived type can still be left.
    const named = definition.steps.flatMap((step, index) =>
      step.type === 'send_email' ? [{ id: step.subscription, path: ['steps', index, 'subscription'], leaving: false }]
      : step.type === 'update_lead' && step.subscription ? [{ id: step.subscription.type, path: ['steps', index, 'subscription', 'type'], leaving: step.subscription.status === 'opted_out' }]
      : [],
    );
    const catalogue = await this.deps.subscriptionTypes(named.map(({ id }) => id));
    const subscriptionIssues = named.flatMap(({ id, path, leaving }): JourneyIssue[] => {
      const issue = leaving && isSubscriptionType(catalogue, id) ? undefined : subscriptionTypeIssue(catalogue, id, '');
      return issue ? [{ path, message: issue.message }] : [];
    });
    return [...journeyIssues(definition, { templateIds }), ...subscriptionIssues];
  }

  /** A new journey with its first draft, refused with every problem when it is not valid. */
  async create(definition: JourneyDefinition): Promise<Journey> {
    const issues = await this.issues(definition);
    if (issues.length) throw invalid(issues, '');
    const at = new Date().toISOString();
    const journey: Journey = { id: randomUUID(), name: definition.name, status: 'draft', draft: definition, createdAt: at, updatedAt: at };
    await this.deps.journeys.create(journey);
    this.deps.log.info('Journey created', { journeyId: journey.id });
    return journey;
  }

  /** Replaces the draft; the published version and enrolled leads are untouched until the next publish. */
  async saveDraft(journeyId: string, definition: JourneyDefinition): Promise<Journey> {
    const issues = await this.issues(definition);
    if (issues.length) throw invalid(issues, '');
    const current = await this.existing(journeyId);
    if (current.status === 'archived') throw new Conflict(`Journey ${journeyId} is archived`);
    const at = new Date().toISOString();
    if (!(await this.deps.journeys.saveDraft(journeyId, definition, current.updatedAt, at))) throw new Conflict(`Journey ${journeyId} changed meanwhile; read it and save again`);
    return { ...current, name: definition.name, draft: definition, updatedAt: at };
  }

  async get(journeyId: string): Promise<Journey> {
    return this.existing(journeyId);
  }

  list(request: PageRequest): Promise<Page<Journey>> {
    return this.deps.journeys.list(request);
  }

  /**
   * Makes the draft the next version, with stored templates copied in (a later template edit changes
   * no version). New entries go to it; enrolled leads finish on the version they entered.
   */
  async publish(journeyId: string): Promise<{ journeyId: string; status: 'published'; version: number }> {
    const journey = await this.existing(journeyId);
    if (journey.status === 'archived') throw new Conflict(`Journey ${journeyId} is archived; it cannot be published again`);
    const issues = await this.issues(journey.draft);
    if (issues.length) throw invalid(issues, 'draft.');
    const steps = await Promise.all(journey.draft.steps.map((step, index) => this.resolved(step, index)));
    const version = (journey.publishedVersion ?? 0) + 1;
    if (!(await this.deps.journeys.publish(journeyId, version, journey.publishedVersion, { ...journey.draft, steps }, new Date().toISOString()))) {
      throw new Conflict(`Journey ${journeyId} was published or changed meanwhile; read it and publish again`);
    }
    this.deps.log.info('Journey published', { journeyId, version });
    return { journeyId, status: 'published', version };
  }

  /** Pause holds enrolled leads where they are and enrols nobody; resume goes on; archive ends it for good. */
  async control(journeyId: string, action: JourneyControl): Promise<{ journeyId: string; status: JourneyStatus }> {
    const journey = await this.existing(journeyId);
    const { from, to } = JOURNEY_CONTROLS[action];
    if (!(await this.deps.journeys.setStatus(journeyId, from, to, new Date().toISOString()))) throw new Conflict(`Journey ${journeyId} is ${journey.status}; ${action} needs it ${from.join(' or ')}`);
    this.deps.log.info('Journey control', { journeyId, action });
    return { journeyId, status: to };
  }

  /** Counts for the journey, each step of its draft and published versions, and each split arm. */
  async report(journeyId: string): Promise<JourneyReport> {
    const journey = await this.existing(journeyId);
    const counters = await this.deps.journeys.counters(journeyId);
    const count = (name: string) => counters[name] ?? 0;
    const byPrefix = (prefix: string) => Object.fromEntries(Object.entries(counters).filter(([name]) => name.startsWith(prefix)).map(([name, value]) => [name.slice(prefix.length), value]));
    return {
      journeyId,
      name: journey.name,
      status: journey.status,
      ...(journey.publishedVersion !== undefined ? { publishedVersion: journey.publishedVersion } : {}),
      entered: count('entered'),
      waiting: count('waiting'),
      completed: count('completed'),
      exited: count('exited'),
      exitedBy: byPrefix('exited:'),
      goalReached: count('goal'),
      steps: journey.draft.steps.map((step) => ({
        stepId: step.id,
        type: step.type,
        entered: count(`step:${step.id}:entered`),
        ...(step.type === 'send_email'
          ? { emails: { sent: count(`email:${step.id}:sent`), skipped: count(`email:${step.id}:skipped`), interrupted: count(`email:${step.id}:interrupted`), opened: count(`email:${step.id}:opened`), clicked: count(`email:${step.id}:clicked`), skippedBy: byPrefix(`skip:${step.id}:`) } }
          : {}),
        ...(step.type === 'split' ? { arms: Object.fromEntries(step.arms.map((arm) => [arm.name, count(`arm:${step.id}:${arm.name}`)])) } : {}),
      })),
    };
  }

  private async existing(journeyId: string): Promise<Journey> {
    const journey = await this.deps.journeys.get(journeyId);
    if (!journey) throw new NotFound(`No journey ${journeyId}`);
    return journey;
  }

  /** A send step with its stored template's content copied in (the latest version when none is named). */
  private async resolved(step: Step, index: number): Promise<Step> {
    if (step.type !== 'send_email' || !('templateId' in step.template)) return step;
    const head = await this.deps.templates.get(step.template.templateId);
    const version = head && (await this.deps.templates.getVersion(step.template.templateId, step.template.version ?? head.latestVersion));
    if (!version) throw InvalidInput.field(`draft.steps.${index}.template`, `template ${step.template.templateId} version ${step.template.version ?? 'latest'} does not exist`);
    return { ...step, template: contentOf(version) };
  }
}
