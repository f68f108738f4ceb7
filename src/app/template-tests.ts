import type { EventPublisher, LeadReader, Log } from './ports';
import type { TemplateVersionRecord } from '../domain/campaigns/template-versions';
import { NotFound } from '../domain/errors';
import { DetailType } from '../domain/events';
import type { SubscriptionType } from '../domain/subscriptions';

/** The template heads and versions a test send checks before it is queued. */
export interface TemplateLookup {
  get(templateId: string): Promise<{ readonly templateId: string; readonly latestVersion: number } | undefined>;
  getVersion(templateId: string, version: number): Promise<TemplateVersionRecord | undefined>;
}

export interface TemplateTestsDependencies {
  readonly templates: TemplateLookup;
  readonly leads: LeadReader;
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/** A test send of a template: up to 5 addresses, one lead to personalise with, a version (the latest when none). */
export interface TemplateTestRequest {
  readonly to: string[];
  readonly leadId?: string;
  readonly version?: number;
  /** The subscription whose footer the email carries; a template has none until a campaign uses it. */
  readonly subscription: SubscriptionType;
}

/**
 * Test sends of a template, before any campaign uses it. They go the way a campaign's test send goes
 * (send-campaign sends them: marked [Test], not recorded or tracked, suppressed addresses skipped, an
 * unsubscribe link that changes nothing); here the template, version and lead are checked, so a
 * request naming one that does not exist is answered 404 rather than queued.
 */
export class TemplateTests {
  constructor(private readonly deps: TemplateTestsDependencies) {}

  async request(templateId: string, request: TemplateTestRequest) {
    const head = await this.deps.templates.get(templateId);
    if (!head) throw new NotFound(`No template ${templateId}`);
    const version = request.version ?? head.latestVersion;
    if (!(await this.deps.templates.getVersion(head.templateId, version))) throw new NotFound(`Template ${templateId} has no version ${version}`);
    if (request.leadId && !(await this.deps.leads.getLead(request.leadId))) throw new NotFound(`No lead with id ${request.leadId}`);
    const { to, leadId, subscription } = request;
    await this.deps.publisher.publish([
      {
        detailType: DetailType.TemplateTestRequested,
        detail: { version: 1, correlationId: templateId, templateId: head.templateId, templateVersion: version, subscription, to, ...(leadId ? { leadId } : {}) },
      },
    ]);
    this.deps.log.info('Template test send queued', { templateId: head.templateId, version, addresses: to.length });
    return { templateId: head.templateId, version, to };
  }
}
