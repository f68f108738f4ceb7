import { describe, expect, it } from 'vitest';
import { RulesetManagement, type RulesetCatalogue } from '../../src/app/rulesets';
import type { Page, PageRequest } from '../../src/domain/page';
import { Conflict, InvalidInput, NotFound, Unavailable } from '../../src/domain/errors';
import { DetailType } from '../../src/domain/events';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import type { Activation, DraftWrite, RescoreJob, StoredRuleset } from '../../src/domain/scoring/stored-ruleset';
import { MemoryLog, MemoryPublisher } from './in-memory';

const AT = '2026-11-22T00:00:00.000Z';
const BACKTEST = { ranAt: AT, window: { from: '2026-10-22T00:00:00.000Z', to: AT }, against: 'starter-1', leads: 10, events: 40, draftMqls: 3, activeMqls: 2, newlyQualified: 1, droppedOut: 0 };

/** Versions, the active pointer and jobs, with the conditions of the table's writes. */
class MemoryRulesets implements RulesetCatalogue {
  readonly versions = new Map<string, StoredRuleset>([[starterRuleset.version, { version: starterRuleset.version, status: 'active', ruleset: starterRuleset, createdAt: AT, updatedAt: AT, builtIn: true }]]);
  readonly jobs = new Map<string, RescoreJob>();
  active = starterRuleset.version;

  async listPage(request: PageRequest): Promise<Page<StoredRuleset>> {
    const all = [...this.versions.values()];
    const start = Number(request.cursor ?? 0);
    const items = all.slice(start, start + request.limit);
    return { items, ...(start + request.limit < all.length ? { nextCursor: String(start + request.limit) } : {}) };
  }

  async activeVersion(): Promise<string> {
    return this.active;
  }

  async get(version: string): Promise<StoredRuleset | undefined> {
    return this.versions.get(version);
  }

  async saveDraft(ruleset: Ruleset, at: string): Promise<DraftWrite> {
    const existing = this.versions.get(ruleset.version);
    if (existing && existing.status !== 'draft') return 'not-a-draft';
    this.versions.set(ruleset.version, { version: ruleset.version, status: 'draft', ruleset, createdAt: existing?.createdAt ?? at, updatedAt: at });
    return 'saved';
  }

  async activate(version: string, jobId: string, at: string): Promise<Activation> {
    const draft = this.versions.get(version);
    if (!draft) return { outcome: 'not-found' };
    if (draft.status !== 'draft') return { outcome: 'not-a-draft' };
    if (!draft.backtest) return { outcome: 'not-backtested' };
    const job: RescoreJob = { jobId, rulesetVersion: version, previousVersion: this.active, startedAt: at, updatedAt: at, total: 0, done: 0, planned: false };
    const previous = this.versions.get(this.active);
    if (previous) this.versions.set(previous.version, { ...previous, status: 'retired', retiredAt: at });
    this.versions.set(version, { ...draft, status: 'active', activatedAt: at, rescoreJobId: jobId });
    this.jobs.set(jobId, job);
    this.active = version;
    return { outcome: 'activated', job };
  }

  async getJob(jobId: string): Promise<RescoreJob | undefined> {
    return this.jobs.get(jobId);
  }
}

function setUp() {
  const rulesets = new MemoryRulesets();
  const publisher = new MemoryPublisher();
  const log = new MemoryLog();
  return { rulesets, publisher, log, management: new RulesetManagement({ rulesets, publisher, log }) };
}

const draftBody = (version = 'v2') => ({ ...starterRuleset, version, rules: starterRuleset.rules.slice(0, 3) });

describe('ruleset drafts', () => {
  it('saves a valid draft and lists it with its rules counted', async () => {
    const { management } = setUp();
    const { version: _fromUrl, ...body } = draftBody();
    expect(await management.saveDraft('v2', body)).toMatchObject({ version: 'v2', status: 'draft', rules: 3 });
    const { active, page } = await management.list({ limit: 50 });
    expect(active).toBe('starter-1');
    expect(page.items.map((item) => [item.version, item.rules])).toEqual([['starter-1', starterRuleset.rules.length], ['v2', 3]]);
  });

  it('refuses a draft whose version differs from the URL, or that is invalid, naming the field', async () => {
    const { management, rulesets } = setUp();
    await expect(management.saveDraft('v2', draftBody('v3'))).rejects.toEqual(new InvalidInput('Invalid request: version "v3" differs from the URL\'s v2', [{ field: 'version', message: 'must be v2, as in the URL' }]));
    await expect(management.saveDraft('v2', [])).rejects.toMatchObject({ issues: [{ field: '(body)', message: 'must be a ruleset object' }] });
    const invalid = management.saveDraft('v2', { ...draftBody(), halfLifeDays: 'soon' });
    await expect(invalid).rejects.toBeInstanceOf(InvalidInput);
    await expect(invalid).rejects.toMatchObject({ issues: [{ field: 'halfLifeDays' }] });
    expect(rulesets.versions.has('v2')).toBe(false);
  });

  it('never changes an active version', async () => {
    const { management } = setUp();
    await expect(management.saveDraft('starter-1', draftBody('starter-1'))).rejects.toEqual(
      new Conflict('Ruleset starter-1 is active or retired and cannot change; save the draft under a new version'),
    );
  });

  it('reports every problem of a ruleset without refusing it', () => {
    const { management } = setUp();
    expect(management.validate(draftBody())).toEqual({ valid: true, issues: [] });
    expect(management.validate({ version: 'v2' }).valid).toBe(false);
  });

  it('compares a draft with the active version by default', async () => {
    const { management } = setUp();
    await management.saveDraft('v2', draftBody());
    const diff = await management.diff('v2', undefined);
    expect(diff).toMatchObject({ from: 'starter-1', to: 'v2' });
    expect(diff.removed).toHaveLength(starterRuleset.rules.length - 3);
    await expect(management.diff('v2', 'v9')).rejects.toEqual(new NotFound('No ruleset version v9'));
  });
});

describe('activation and rescoring', () => {
  it('activates a back-tested draft and starts planning its rescoring job', async () => {
    const { management, rulesets, publisher } = setUp();
    await management.saveDraft('v2', draftBody());
    await expect(management.activate('v2')).rejects.toEqual(new Conflict('Ruleset v2 has not been back-tested; run POST /v1/admin/rulesets/v2/backtest first'));
    rulesets.versions.set('v2', { ...(rulesets.versions.get('v2') as StoredRuleset), backtest: BACKTEST });
    const job = await management.activate('v2');
    expect(job).toMatchObject({ rulesetVersion: 'v2', previousVersion: 'starter-1', planned: false });
    expect(publisher.of(DetailType.RescorePageRequested)).toEqual([{ version: 1, correlationId: job.jobId, jobId: job.jobId, rulesetVersion: 'v2', page: 0 }]);
    expect(await management.rescoringProgress(job.jobId)).toMatchObject({ status: 'running', progress: '0 / 0+' });
    rulesets.jobs.set(job.jobId, { ...job, planned: true, total: 4, done: 4 });
    expect(await management.rescoringProgress(job.jobId)).toMatchObject({ status: 'done', progress: '4 / 4' });
  });

  it('asks for a repeat when the bus refuses, and the repeat starts the same job', async () => {
    const { management, rulesets, publisher, log } = setUp();
    await management.saveDraft('v2', draftBody());
    rulesets.versions.set('v2', { ...(rulesets.versions.get('v2') as StoredRuleset), backtest: BACKTEST });
    publisher.faults.fail('publish');
    await expect(management.activate('v2')).rejects.toEqual(new Unavailable('Ruleset v2 is active but rescoring has not started; repeat the activation to start it', 2));
    expect(log.messages('error')).toEqual(['Rescoring not started']);
    const job = await management.activate('v2');
    expect(job.jobId).toBe(rulesets.versions.get('v2')?.rescoreJobId);
    expect(publisher.of(DetailType.RescorePageRequested)).toMatchObject([{ jobId: job.jobId, page: 0 }]);
    // Once planning has begun, activating again is refused.
    rulesets.jobs.set(job.jobId, { ...job, total: 2 });
    await expect(management.activate('v2')).rejects.toEqual(new Conflict('Ruleset v2 is active, not a draft'));
  });

  it('answers NotFound for unknown versions and jobs', async () => {
    const { management } = setUp();
    await expect(management.activate('v9')).rejects.toEqual(new NotFound('No ruleset version v9'));
    await expect(management.get('v9')).rejects.toEqual(new NotFound('No ruleset version v9'));
    await expect(management.rescoringProgress('job-1')).rejects.toEqual(new NotFound('No rescoring job job-1'));
  });
});
