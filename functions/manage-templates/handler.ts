import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadStore } from '../../src/adapters/lead-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { TemplateStore } from '../../src/adapters/template-store';
import { TemplateTests } from '../../src/app/template-tests';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { withSubscriberFooter } from '../../src/domain/campaigns/footer';
import { renderTemplate } from '../../src/domain/campaigns/template';
import { contentOf, sameContent } from '../../src/domain/campaigns/template-versions';
import { InvalidInput } from '../../src/domain/errors';
import { subscriptionTypeIssue } from '../../src/domain/subscriptions';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageTemplatesRoutes } from './routes';
import { pageBody } from '../../src/http/page-query';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const templates = new TemplateStore(documentClient(), config.TABLE_NAME);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const subscriptionTypes = new SubscriptionTypeStore(documentClient(), config.TABLE_NAME);
const templateTests = new TemplateTests({ templates, leads, publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME), log: logger });

/** A preview's footer links lead nowhere: each recipient gets its own signed links at send time. */
const PREVIEW_LINK = 'https://preview.invalid/link-added-at-send-time';

async function existingTemplate(templateId: string) {
  const head = await templates.get(templateId);
  if (!head) throw new HttpError(404, `No template ${templateId}`);
  return head;
}

async function existingVersion(templateId: string, version: number) {
  const found = await templates.getVersion(templateId, version);
  if (!found) throw new HttpError(404, `Template ${templateId} has no version ${version}`);
  return found;
}

/** The footer of a preview or test names an active subscription type. */
async function checkSubscription(subscription: string) {
  const issue = subscriptionTypeIssue(await subscriptionTypes.current([subscription]), subscription, 'subscription');
  if (issue) throw InvalidInput.field(issue.field, issue.message);
}

/** A stored version to preview, and how the answer names it. */
async function storedVersionShown(templateId: string, version: number) {
  const content = await existingVersion(templateId, version);
  return { content, shown: { version: content.version } };
}

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageTemplatesRoutes, {
  createTemplate: async ({ body: request }) => {
    const { summary, version } = await templates.create(randomUUID(), request.name, request, new Date().toISOString());
    logger.info('Template created', { templateId: summary.templateId });
    return json(201, { ...summary, ...version });
  },

  listTemplates: async ({ query }) => json(200, pageBody(await templates.list(query))),

  getTemplate: async ({ params }) => {
    const head = await existingTemplate(params.templateId);
    const [latest, versions] = await Promise.all([existingVersion(head.templateId, head.latestVersion), templates.versions(head.templateId)]);
    return json(200, { ...head, ...contentOf(latest), version: latest.version, versions });
  },

  // Versions never change: new content becomes the next version; the same content makes none.
  updateTemplate: async ({ params: { templateId }, body: request }) => {
    const head = await existingTemplate(templateId);
    const latest = await existingVersion(head.templateId, head.latestVersion);
    const at = new Date().toISOString();
    const conflict = () => new HttpError(409, `Template ${head.templateId} got a new version while this one was saved; read version ${head.latestVersion + 1} and try again`);
    if (sameContent(latest, request)) {
      const renamed = request.name !== head.name;
      if (renamed && (await templates.rename(head.templateId, head.latestVersion, request.name, at)) === 'conflict') throw conflict();
      return json(200, {
        templateId: head.templateId,
        name: request.name,
        version: latest.version,
        created: false,
        message: `The content is the same as version ${latest.version}: no new version${renamed ? ' (renamed)' : ''}`,
      });
    }
    const written = await templates.addVersion(head.templateId, head.latestVersion, request.name, request, at);
    if (written.outcome === 'conflict') throw conflict();
    logger.info('Template version created', { templateId: head.templateId, version: written.version.version });
    return json(200, { name: request.name, ...written.version, created: true });
  },

  getTemplateVersion: async ({ params: { templateId, version } }) => {
    const head = await existingTemplate(templateId);
    return json(200, { name: head.name, ...(await existingVersion(head.templateId, version)) });
  },

  // What a lead would see (or the fallbacks, with no lead), with the footer every campaign email gets;
  // of a stored version, or of unsaved content (checked by the request schema as a save checks it).
  previewTemplate: async ({ params: { templateId }, body }) => {
    const head = await existingTemplate(templateId);
    const { leadId, draft, subscription } = body;
    await checkSubscription(subscription);
    const { content, shown } = draft ? { content: draft, shown: { draft: true as const } } : await storedVersionShown(head.templateId, body.version ?? head.latestVersion);
    const lead = leadId ? await leads.getLead(leadId) : undefined;
    if (leadId && !lead) throw new HttpError(404, `No lead with id ${leadId}`);
    const rendered = withSubscriberFooter(renderTemplate(content, { lead: lead ?? {} }), { subscription, unsubscribeUrl: PREVIEW_LINK, preferencesUrl: PREVIEW_LINK }, await subscriptionTypes.current());
    return json(200, { templateId: head.templateId, ...shown, ...(leadId ? { leadId } : {}), rendered });
  },

  testTemplate: async ({ params: { templateId }, body }) => {
    await checkSubscription(body.subscription);
    return json(202, await templateTests.request(templateId, body));
  },
});
