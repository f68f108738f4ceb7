import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { describeError, InvalidInput, Unavailable } from '../../src/domain/errors';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { CAPTCHA_VERIFY_URLS, captchaVerifier } from '../../src/adapters/captcha';
import { ConsentStore } from '../../src/adapters/consent-store';
import { FormStore } from '../../src/adapters/form-store';
import { cachedSecret, captchaSecretsFromSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { SubmissionStore } from '../../src/adapters/submission-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { FormSubmission, MAX_ATTRIBUTES, withFormAttributes } from '../../src/api/schemas';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { DetailType, type DomainEvent } from '../../src/domain/events';
import { CAPTCHA_RESPONSE_FIELD, type FormDefinition, type FormVersion } from '../../src/domain/forms/definition';
import { formLanguage, hostedFormPage, refusedPage, submissionPath, thankYouPage, thanksMessage } from '../../src/domain/forms/pages';
import { checkRenderToken, signRenderToken } from '../../src/domain/forms/render-token';
import { prepareSubmission, withoutUnknownFields, type PreparedSubmission } from '../../src/domain/forms/submission';
import { profileUpdates, type Touch } from '../../src/domain/lead';
import { formConsentStatus } from '../../src/domain/consent/preferences';
import { isSubscriptionType } from '../../src/domain/subscriptions';
import type { ConsentRecord, Language } from '../../src/domain/subscriptions';
import { conflictError, HttpError, validationError } from '../../src/http/errors';
import { formPage } from '../../src/http/form-pages';
import { requestFingerprint, submissionIdFor } from '../../src/domain/idempotency';
import { json, type ErrorPage, type ParsedBodyEvent } from '../../src/http/middleware';
import { prefersHtml } from '../../src/http/negotiation';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { captureFormRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
  SIGNING_KEYS_SECRET: setting,
  FORM_CAPTCHA_SECRET: setting,
  // The providers' own endpoints unless configured otherwise (tests point them at a local stub).
  TURNSTILE_VERIFY_URL: z._default(z.url(), CAPTCHA_VERIFY_URLS.turnstile),
  HCAPTCHA_VERIFY_URL: z._default(z.url(), CAPTCHA_VERIFY_URLS.hcaptcha),
});
const logger = new Logger();
const submissions = new SubmissionStore(documentClient(), config.TABLE_NAME);
const consentStore = new ConsentStore(documentClient(), config.TABLE_NAME);
const visitorLinks = new AnonymousLinks(documentClient(), config.TABLE_NAME);
const forms = new FormStore(documentClient(), config.TABLE_NAME);
const subscriptionTypes = new SubscriptionTypeStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
// Read only for forms whose definition asks for them: a form without one needs no secret.
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
const captchaSecrets = cachedSecret(secretsManagerClient(), config.FORM_CAPTCHA_SECRET, captchaSecretsFromSecret);
const verifyCaptcha = captchaVerifier({ turnstile: config.TURNSTILE_VERIFY_URL, hcaptcha: config.HCAPTCHA_VERIFY_URL });

/** The fields the submission schema knows; anything else is undeclared. */
const KNOWN_FIELDS = Object.keys(FormSubmission.shape);

type SubmitForm = Implementation<(typeof captureFormRoutes)[0]>;

const isFields = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where the caller put its idempotency key: the header, or the form's own field. */
function idempotencyKeyOf(headers: { readonly 'idempotency-key'?: string | undefined }, form: FormSubmission): { field: string; key: string } | undefined {
  const header = headers['idempotency-key'];
  if (header !== undefined) return { field: 'idempotency-key', key: header };
  return form.idempotencyKey ? { field: 'idempotencyKey', key: form.idempotencyKey } : undefined;
}

/**
 * What a submission that was taken (or dropped as a bot's) is answered with: JSON for API callers;
 * for a browser, a 303 to the form's thank-you URL or a thank-you page, never a page of JSON.
 */
function accepted(event: ParsedBodyEvent, definition: FormDefinition | undefined, lang: Language, body: Record<string, unknown>): APIGatewayProxyStructuredResultV2 {
  if (!prefersHtml(event.headers.accept)) return json(202, body);
  if (definition?.success.kind === 'redirect') return { statusCode: 303, headers: { location: definition.success.url, 'cache-control': 'no-store' }, body: '' };
  return formPage(200, thankYouPage(lang, thanksMessage(definition, lang)), definition);
}

/** Why a post to a form with a definition looks automated, or undefined when a person sent it. */
async function automated(stored: FormVersion, fields: Record<string, unknown>): Promise<string | undefined> {
  if (typeof fields.website === 'string' && fields.website !== '') return 'honeypot';
  const { minSecondsToSubmit } = stored.definition.spam;
  if (minSecondsToSubmit === 0) return undefined;
  const token = typeof fields.renderToken === 'string' ? fields.renderToken : undefined;
  const check = checkRenderToken(await keyRing(), token, { formId: stored.formId, minSeconds: minSecondsToSubmit, nowMs: Date.now() });
  return check.human ? undefined : `render-${check.reason}`;
}

/** The form's CAPTCHA, verified with its provider; an unanswered or failed one is a 400 naming the widget's field. */
async function checkCaptcha(definition: FormDefinition, form: FormSubmission, sourceIp: string): Promise<void> {
  const captcha = definition.spam.captcha;
  if (!captcha) return;
  const field = CAPTCHA_RESPONSE_FIELD[captcha.provider];
  const response = form[field];
  const failed = () => InvalidInput.field(field, 'must be completed: answer the challenge and send the form again');
  if (!response) throw failed();
  const secret = (await captchaSecrets()).get(captcha.secretName);
  if (secret === undefined) {
    logger.error('The form names a CAPTCHA secret the form-captcha secret does not hold', { secretName: captcha.secretName });
    throw new Unavailable('The form\'s challenge cannot be checked now; try again later');
  }
  if (!(await verifyCaptcha({ provider: captcha.provider, secret, response, remoteIp: sourceIp }))) throw failed();
}

/** A form's fields as one object, `attributes` spread out as `attributes.<name>` so the form's declared names find them. */
function flatFields(body: Record<string, unknown>): Record<string, unknown> {
  const { attributes, ...rest } = body;
  if (!isFields(attributes)) return body;
  return { ...Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`attributes.${name}`, value])), ...rest };
}

const submitForm: SubmitForm = async (input, event) => {
  const { params: { formId } } = input;
  const stored = await forms.latest(formId);
  const posted = isFields(input.body) ? input.body : undefined;
  const lang = formLanguage(posted?.lang, event.headers['accept-language'], stored?.definition.defaultLanguage);

  let prepared: PreparedSubmission | undefined;
  if (stored && posted) {
    // A bot is answered as if accepted before anything is checked: it learns nothing to adapt to.
    const reason = await automated(stored, posted);
    if (reason) {
      logger.info('Submission looks automated; dropped', { formId, reason });
      return accepted(event, stored.definition, lang, { status: 'accepted' });
    }
    prepared = prepareSubmission(stored.definition, flatFields(posted), { knownFields: KNOWN_FIELDS, maxAttributes: MAX_ATTRIBUTES, lang });
    if (prepared.ignored) logger.info('Fields the form does not declare were left out', { formId, ignored: prepared.ignored });
  }
  let fields: unknown = prepared?.fields ?? input.body;
  if (!stored && posted && prefersHtml(event.headers.accept)) {
    const known = withoutUnknownFields(posted, KNOWN_FIELDS);
    if (known.ignored) logger.info('Fields the submission schema does not know were left out of a browser post', { formId, ignored: known.ignored });
    fields = known.fields;
  }
  const parsed = FormSubmission.safeParse(withFormAttributes(fields));
  const issues = [...(prepared?.issues ?? []), ...(parsed.success ? [] : validationError(parsed.error).issues)];
  if (!parsed.success || issues.length) {
    if (stored && posted && prefersHtml(event.headers.accept)) {
      // The form again, with what the visitor typed and each error beside its field.
      const renderToken = typeof posted.renderToken === 'string' ? posted.renderToken : signRenderToken(await keyRing(), formId, Date.now());
      return formPage(400, hostedFormPage({ formId, definition: stored.definition, lang, action: submissionPath(formId), renderToken, values: posted, issues }), stored.definition);
    }
    const first = issues[0];
    throw new InvalidInput(`Invalid request: ${first ? `${first.field} ${first.message}` : 'invalid form'}`, issues);
  }
  const form = parsed.data;
  if (form.website) {
    logger.info('Honeypot field filled; submission dropped', { formId });
    return accepted(event, stored?.definition, lang, { status: 'accepted' });
  }
  if (stored) await checkCaptcha(stored.definition, form, event.requestContext.http.sourceIp);
  const catalogue = await subscriptionTypes.current(form.consent ?? []);
  // Archived types are still taken: forms saved before the archiving keep working.
  const unknownConsent = (form.consent ?? []).flatMap((subscription, index) =>
    isSubscriptionType(catalogue, subscription) ? [] : [{ field: `consent[${index}]`, message: `must be one of ${catalogue.map((definition) => definition.id).join(', ')}` }],
  );
  const [firstUnknown] = unknownConsent;
  if (firstUnknown) throw new InvalidInput(`Invalid request: ${firstUnknown.field} ${firstUnknown.message}`, unknownConsent);

  const now = new Date().toISOString();
  const idempotency = idempotencyKeyOf(input.headers, form);
  const submissionId = idempotency ? submissionIdFor(formId, form.email, idempotency.key) : `sub_${randomUUID()}`;
  // The fingerprint covers what the submission says, not how the page sent it (a render time, a widget's one-time answer).
  const { idempotencyKey: _key, renderToken: _token, lang: _lang, 'cf-turnstile-response': _turnstile, 'h-captcha-response': _hcaptcha, 'g-recaptcha-response': _recaptcha, ...request } = form;
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
    const status = formConsentStatus(catalogue, current[subscription], subscription);
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
    // A defined form's own words, as shown; otherwise what the page says it showed.
    consentText: prepared?.consentTexts[subscription] ?? form.consentText,
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
      properties: { formId, ...(form.pageUrl ? { pageUrl: form.pageUrl } : {}), ...(stored ? { formVersion: stored.version } : {}) },
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
  return accepted(event, stored?.definition, lang, { status: 'accepted', leadId: outcome.leadId, submissionId });
};

/** A browser is shown errors as a page; API callers keep JSON. */
const errorPage: ErrorPage = (error, statusCode, event) => {
  if (!prefersHtml(event.headers.accept)) return undefined;
  const body = (event as ParsedBodyEvent).parsedBody;
  const lang = formLanguage(isFields(body) ? body.lang : event.queryStringParameters?.lang, event.headers['accept-language']);
  return formPage(statusCode, refusedPage(lang, error.message, error.issues ?? []));
};

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES, errorPage }, captureFormRoutes, { submitForm });
