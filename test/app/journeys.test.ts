import { describe, expect, it } from 'vitest';
import { Journeys, type JourneyRecords } from '../../src/app/journeys';
import { Conflict, InvalidInput } from '../../src/domain/errors';
import { JourneyDefinition, type Journey, type JourneyStatus } from '../../src/domain/journeys/definition';
import type { TemplateSummary, TemplateVersionRecord } from '../../src/domain/campaigns/template-versions';
import { MemoryLog } from './in-memory';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';

const templateId = '0b5f1d2e-3c4a-4b6d-8e9f-0a1b2c3d4e5f';

class MemoryJourneyRecords implements JourneyRecords {
  readonly heads = new Map<string, Journey>();
  readonly versions = new Map<string, JourneyDefinition>();
  async create(journey: Journey) {
    this.heads.set(journey.id, journey);
  }
  async get(journeyId: string) {
    return this.heads.get(journeyId);
  }
  async list() {
    return { items: [...this.heads.values()] };
  }
  async saveDraft(journeyId: string, draft: JourneyDefinition, updatedAt: string, at: string) {
    const head = this.heads.get(journeyId);
    if (!head || head.updatedAt !== updatedAt) return false;
    this.heads.set(journeyId, { ...head, draft, updatedAt: at });
    return true;
  }
  async publish(journeyId: string, version: number, previous: number | undefined, definition: JourneyDefinition) {
    const head = this.heads.get(journeyId);
    if (!head || head.publishedVersion !== previous) return false;
    this.versions.set(`${journeyId}#${version}`, definition);
    this.heads.set(journeyId, { ...head, publishedVersion: version, status: 'published' });
    return true;
  }
  async setStatus(journeyId: string, from: readonly JourneyStatus[], to: JourneyStatus) {
    const head = this.heads.get(journeyId);
    if (!head || !from.includes(head.status)) return false;
    this.heads.set(journeyId, { ...head, status: to });
    return true;
  }
  async counters() {
    return { entered: 3, 'email:hello:sent': 2, 'email:hello:skipped': 1, 'skip:hello:suppressed': 1, 'email:hello:opened': 2, 'email:hello:clicked': 1, 'exited:goal': 1, exited: 1, goal: 1 };
  }
}

function journeys() {
  const records = new MemoryJourneyRecords();
  const templates = {
    get: async (id: string) => (id === templateId ? ({ id, name: 'Hello', latestVersion: 2 } as unknown as TemplateSummary) : undefined),
    getVersion: async (id: string, version: number) => (id === templateId ? ({ version, subject: `Hello v${version}`, html: '<p>hi</p>' } as unknown as TemplateVersionRecord) : undefined),
  };
  return { records, use: new Journeys({ journeys: records, templates, subscriptionTypes: async () => SEEDED_CATALOGUE, log: new MemoryLog() }) };
}

const definition = JourneyDefinition.parse({
  name: 'Hello',
  entry: { kind: 'manual' },
  steps: [{ id: 'hello', type: 'send_email', subscription: 'newsletter', template: { templateId } }],
});

describe('journeys (admin)', () => {
  it('publishes the draft as a new version each time, with the stored template copied in', async () => {
    const { records, use } = journeys();
    const journey = await use.create(definition);
    expect(await use.publish(journey.id)).toEqual({ journeyId: journey.id, status: 'published', version: 1 });
    expect(records.versions.get(`${journey.id}#1`)?.steps[0]).toMatchObject({ template: { subject: 'Hello v2', html: '<p>hi</p>' } });
    expect((await use.publish(journey.id)).version).toBe(2);
  });

  it('refuses a draft mailing under an unknown subscription type, or opting leads in to an archived one, with each path', async () => {
    const { records, use } = journeys();
    const refused = await use
      .create(JourneyDefinition.parse({ ...definition, steps: [{ ...definition.steps[0], subscription: 'webinars', next: 'opt' }, { id: 'opt', type: 'update_lead', subscription: { type: 'nope', status: 'opted_in' } }] }))
      .catch((error: unknown) => error);
    expect((refused as InvalidInput).issues).toEqual([
      { field: 'steps.0.subscription', message: 'must be one of newsletter, product_updates, events, offers' },
      { field: 'steps.1.subscription.type', message: 'must be one of newsletter, product_updates, events, offers' },
    ]);
    expect(records.heads.size).toBe(0);
  });

  it('refuses a draft naming an unknown template, with its path, and stores nothing', async () => {
    const { records, use } = journeys();
    const unknown = JourneyDefinition.parse({ ...definition, steps: [{ ...definition.steps[0], template: { templateId: '1b5f1d2e-3c4a-4b6d-8e9f-0a1b2c3d4e5f' } }] });
    const refused = await use.create(unknown).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidInput);
    expect((refused as InvalidInput).issues.map((issue) => issue.field)).toEqual(['steps.0.template.templateId']);
    expect(records.heads.size).toBe(0);
  });

  it('pauses, resumes and archives by the allowed moves only', async () => {
    const { use } = journeys();
    const journey = await use.create(definition);
    await expect(use.control(journey.id, 'pause')).rejects.toBeInstanceOf(Conflict);
    await use.publish(journey.id);
    expect((await use.control(journey.id, 'pause')).status).toBe('paused');
    expect((await use.control(journey.id, 'resume')).status).toBe('published');
    expect((await use.control(journey.id, 'archive')).status).toBe('archived');
    await expect(use.publish(journey.id)).rejects.toBeInstanceOf(Conflict);
  });

  it('reports the journey and each email step with skips by reason, opens and clicks', async () => {
    const { use } = journeys();
    const journey = await use.create(definition);
    expect(await use.report(journey.id)).toMatchObject({
      entered: 3,
      exited: 1,
      exitedBy: { goal: 1 },
      goalReached: 1,
      steps: [{ stepId: 'hello', type: 'send_email', emails: { sent: 2, skipped: 1, interrupted: 0, opened: 2, clicked: 1, skippedBy: { suppressed: 1 } } }],
    });
  });
});
