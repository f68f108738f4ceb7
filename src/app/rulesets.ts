import { randomUUID } from 'node:crypto';
import { Conflict, describeError, InvalidInput, NotFound, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
import { diffRulesets, type RulesetDiff } from '../domain/scoring/diff';
import { RulesetVersion, type Ruleset } from '../domain/scoring/ruleset';
import type { Activation, DraftWrite, RescoreJob, StoredRuleset } from '../domain/scoring/stored-ruleset';
import { validateRuleset, type RulesetValidation } from '../domain/scoring/validate';
import type { EventPublisher, Log } from './ports';
import type { Page, PageRequest } from '../domain/page';

/** Ruleset versions, the active pointer and rescoring jobs, as kept. */
export interface RulesetCatalogue {
  listPage(request: PageRequest): Promise<Page<StoredRuleset>>;
  activeVersion(): Promise<string>;
  get(version: string): Promise<StoredRuleset | undefined>;
  saveDraft(ruleset: Ruleset, at: string): Promise<DraftWrite>;
  /** Makes a back-tested draft the active version and creates its rescoring job, or says why not. */
  activate(version: string, jobId: string, at: string): Promise<Activation>;
  getJob(jobId: string): Promise<RescoreJob | undefined>;
}


export interface RulesetDependencies {
  readonly rulesets: RulesetCatalogue;
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/** A version as listed: its rules counted rather than shown. */
export type RulesetListing = Omit<StoredRuleset, 'ruleset'> & { readonly rules: number };

export type RescoringProgress = RescoreJob & { readonly status: 'done' | 'running'; readonly progress: string };

/** Seconds before an activation whose rescoring did not start is worth repeating. */
const RETRY_AFTER_SECONDS = 2;

const listing = (stored: StoredRuleset): RulesetListing => {
  const { ruleset, ...rest } = stored;
  return { ...rest, rules: ruleset.rules.length };
};

/**
 * Scoring rulesets as versioned data: drafts are validated and saved, compared, and a back-tested
 * draft is activated, which starts rescoring every lead.
 */
export class RulesetManagement {
  constructor(private readonly dependencies: RulesetDependencies) {}

  /** A page of versions, oldest first, and the active version. */
  async list(request: PageRequest): Promise<{ readonly active: string; readonly page: Page<RulesetListing> }> {
    const [page, active] = await Promise.all([this.dependencies.rulesets.listPage(request), this.dependencies.rulesets.activeVersion()]);
    return { active, page: { ...page, items: page.items.map(listing) } };
  }

  async get(version: string): Promise<StoredRuleset> {
    const stored = await this.dependencies.rulesets.get(version);
    if (!stored) throw new NotFound(`No ruleset version ${version}`);
    return stored;
  }

  /** Every problem of a ruleset; validation is the answer, so problems are reported rather than refused. */
  validate(body: unknown): Pick<RulesetValidation, 'valid' | 'issues'> {
    const result = validateRuleset(body);
    return { valid: result.valid, issues: result.issues };
  }

  /** Creates or replaces a draft; active and retired versions never change. */
  async saveDraft(version: string, body: unknown): Promise<RulesetListing> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidInput('Invalid request: the body must be a ruleset object', [{ field: '(body)', message: 'must be a ruleset object' }]);
    }
    const draft = { version, ...body };
    if (draft.version !== version) {
      throw new InvalidInput(`Invalid request: version ${JSON.stringify(draft.version)} differs from the URL's ${version}`, [{ field: 'version', message: `must be ${version}, as in the URL` }]);
    }
    const result = validateRuleset(draft);
    if (!result.valid) {
      const issues = result.issues.map((issue) => ({ field: issue.path, message: issue.message }));
      throw new InvalidInput(`Invalid ruleset: ${issues.length} problem(s), first ${issues[0]?.field} ${issues[0]?.message}`, issues);
    }
    const outcome = await this.dependencies.rulesets.saveDraft(result.ruleset, new Date().toISOString());
    if (outcome === 'not-a-draft') throw new Conflict(`Ruleset ${version} is active or retired and cannot change; save the draft under a new version`);
    this.dependencies.log.info('Draft saved', { version, rules: result.ruleset.rules.length });
    return listing(await this.get(version));
  }

  /** What changed from `against` (the active version when absent) to `version`. */
  async diff(version: string, against: string | undefined): Promise<RulesetDiff> {
    const from = against ?? (await this.activeVersion());
    const [before, after] = await Promise.all([this.get(from), this.get(version)]);
    return diffRulesets(before.ruleset, after.ruleset);
  }

  /**
   * Activates a back-tested draft and starts rescoring every lead; repeating the activation of a
   * version whose rescoring never started (the publish failed) starts it.
   */
  async activate(version: string): Promise<RescoreJob> {
    const { rulesets, log } = this.dependencies;
    const outcome = await rulesets.activate(version, randomUUID(), new Date().toISOString());
    if (outcome.outcome === 'activated') {
      log.info('Ruleset activated', { version, jobId: outcome.job.jobId });
      await this.startPlanning(outcome.job);
      return outcome.job;
    }
    if (outcome.outcome === 'not-found') throw new NotFound(`No ruleset version ${version}`);
    if (outcome.outcome === 'not-backtested') throw new Conflict(`Ruleset ${version} has not been back-tested; run POST /v1/admin/rulesets/${version}/backtest first`);
    if (outcome.outcome === 'changed-meanwhile') throw new Conflict(`Ruleset ${version} or the active ruleset changed meanwhile; back-test again and retry`);
    const stored = await this.get(version);
    const job = stored.status === 'active' && stored.rescoreJobId ? await rulesets.getJob(stored.rescoreJobId) : undefined;
    if (job && !job.planned && job.total === 0) {
      await this.startPlanning(job);
      return job;
    }
    throw new Conflict(`Ruleset ${version} is ${stored.status}, not a draft`);
  }

  async rescoringProgress(jobId: string): Promise<RescoringProgress> {
    const job = await this.dependencies.rulesets.getJob(jobId);
    if (!job) throw new NotFound(`No rescoring job ${jobId}`);
    return { ...job, status: job.planned && job.done >= job.total ? 'done' : 'running', progress: `${job.done} / ${job.total}${job.planned ? '' : '+'}` };
  }

  /** The active version, which is compared against by default; one that is not a valid version name is named as `against`. */
  private async activeVersion(): Promise<string> {
    const parsed = RulesetVersion.safeParse(await this.dependencies.rulesets.activeVersion());
    if (parsed.success) return parsed.data;
    throw InvalidInput.field('against', parsed.error.issues[0]?.message ?? 'is invalid');
  }

  /**
   * Starts (or, after a failed publish, restarts) the planning of a job; pages are counted once. If the
   * bus refuses, the version is active but nothing is rescored yet: the caller is told to repeat the
   * activation, which starts the planning of the same job.
   */
  private async startPlanning(job: RescoreJob): Promise<void> {
    try {
      await this.dependencies.publisher.publish([
        { detailType: DetailType.RescorePageRequested, detail: { version: 1, correlationId: job.jobId, jobId: job.jobId, rulesetVersion: job.rulesetVersion, page: 0 } },
      ]);
    } catch (error) {
      this.dependencies.log.error('Rescoring not started', { jobId: job.jobId, rulesetVersion: job.rulesetVersion, error: describeError(error) });
      throw new Unavailable(`Ruleset ${job.rulesetVersion} is active but rescoring has not started; repeat the activation to start it`, RETRY_AFTER_SECONDS);
    }
  }
}
