import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { describeError } from '../../src/domain/errors';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { ConsentStore } from '../../src/adapters/consent-store';
import { SubmissionStore } from '../../src/adapters/submission-store';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { DetailType, type DomainEvent } from '../../src/domain/events';
import { profileUpdates, type Touch } from '../../src/domain/lead';
import { formConsentStatus } from '../../src/domain/consent/preferences';
import type { ConsentRecord } from '../../src/domain/subscriptions';
import { conflictError, HttpError } from '../../src/http/errors';
import { requestFingerprint, submissionIdFor } from '../../src/domain/idempotency';
import { json } from '../../src/http/middleware';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { captureFormRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const submissions = new SubmissionStore(documentClient(), config.TABLE_NAME);
const consentStore = new ConsentStore(documentClient(), config.TABLE_NAME);
const visitorLinks = new AnonymousLinks(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

type SubmitForm = Implementation<(typeof captureFormRoutes)[number]>;

/** Where the caller put its idempotency key: the header, or the form's own field. */
function idempotencyKeyOf({ headers, body: form }: Parameters<SubmitForm>[0]): { field: string; key: string } | undefined {
  const header = headers['idempotency-key'];
  if (header !== undefined) return { field: 'idempotency-key', key: header };
  return form.idempotencyKey ? { field: 'idempotencyKey', key: form.idempotencyKey } : undefined;
}

const submitForm: SubmitForm = async (input, event) => {
  const { params: { formId }, body: form } = input;
  if (form.website) {
    logger.info('Honeypot field filled; submission dropped', { formId });
    return json(202, { status: 'accepted' });
  }

  const now = new Date().toISOString();
  const idempotency = idempotencyKeyOf(input);
  const submissionId = idempotency ? submissionIdFor(formId, form.email, idempotency.key) : `sub_${randomUUID()}`;
  const { idempotencyKey: _key, ...request } = form;
  const touch: Touch = {
    at: now,
    formId,
    pageUrl: form.pageUrl,
    referrer: form.referrer,
    utmSource: form.utm_source,
    utmMedium: form.utm_medium,
    utmCampaign: form.utm_campaign,
    utmTerm: form.utm_term,
    utmContent: form.utm_content,
  };
  // A ticked box opts in at once, or asks for confirmation first (double opt-in); an existing opt-in stays.
  const current = form.consent?.length ? await consentStore.subscriptionsOf(form.email) : {};
  const consents: ConsentRecord[] = [...new Set(form.consent ?? [])].flatMap((subscription) => {
    const status = formConsentStatus(current[subscription], subscription);
    return status ? [{ subscription, status }] : [];
  }).map(({ subscription, status }) => ({
    subscription,
    status,
    at: now,
    method: 'form_checkbox',
    formId,
    pageUrl: form.pageUrl,
    ipAddress: event.requestContext.http.sourceIp,
    userAgent: event.requestContext.http.userAgent,
    consentText: form.consentText,
  }));

  const profile = profileUpdates({
    firstName: form.firstName,
    lastName: form.lastName,
    company: form.company,
    phone: form.phone,
    preferredChannel: form.preferredChannel,
    role: form.role,
    industry: form.industry,
    teamSize: form.teamSize,
    annualRevenue: form.annualRevenue,
    budget: form.budget,
    country: form.country,
  });
  const outcome = await submissions.captureSubmission({
    email: form.email,
    profile,
    ...(form.attributes ? { attributes: form.attributes } : {}),
    touch,
    consents,
    event: {
      id: submissionId,
      type: 'form_submission',
      occurredAt: now,
      receivedAt: now,
      recordedAt: now,
      properties: { formId, ...(form.pageUrl ? { pageUrl: form.pageUrl } : {}) },
      requestHash: requestFingerprint({ formId, ...request }),
    },
  });
  if (outcome.conflict && idempotency) {
    const message = 'was already used for a different submission of this form and address; send a new key for a new submission';
    throw conflictError([{ field: idempotency.field, message }]);
  }

  const correlationId = event.requestContext.requestId;
  const events: DomainEvent[] = [
    { detailType: DetailType.EngagementRecorded, detail: { version: 2, correlationId, eventIds: [submissionId], leadId: outcome.leadId } },
  ];
  // Two-way sync: tools subscribed to contact changes hear which fields this form set.
  const contactFields = [...(outcome.created ? ['email'] : []), ...Object.keys(profile), ...Object.keys(form.attributes ?? {}).map((name) => `attributes.${name}`)];
  if (contactFields.length) {
    events.push({ detailType: DetailType.LeadContactChanged, detail: { version: 1, correlationId, leadId: outcome.leadId, changeId: submissionId, fields: contactFields, at: now, source: 'form' } });
  }
  const toConfirm = consents.filter((consent) => consent.status === 'pending').map((consent) => consent.subscription);
  if (toConfirm.length) {
    events.push({ detailType: DetailType.ConsentConfirmationRequested, detail: { version: 1, correlationId, leadId: outcome.leadId, subscriptions: toConfirm } });
  }
  if (form.anonymousId) {
    const link = await visitorLinks.linkAnonymous(form.anonymousId, outcome.leadId, now);
    if (link !== 'linked-to-another-lead') {
      events.push({ detailType: DetailType.LeadIdentified, detail: { version: 1, correlationId, leadId: outcome.leadId, anonymousId: form.anonymousId } });
    }
  }
  try {
    // Published on replays too: a first attempt may have stored the submission and then failed here.
    await publisher.publish(events);
  } catch (error) {
    logger.error('Submission stored but not published', { leadId: outcome.leadId, submissionId, error: describeError(error) });
    throw new HttpError(503, 'Submission stored but not yet processed; retry with the same Idempotency-Key', undefined, { 'retry-after': '2' });
  }
  logger.info('Form submission accepted', { formId, leadId: outcome.leadId, created: outcome.created, duplicate: outcome.duplicate });
  return json(202, { status: 'accepted', leadId: outcome.leadId, submissionId });
};

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, captureFormRoutes, { submitForm });
