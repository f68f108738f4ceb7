import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import { CampaignDefinition } from '../domain/campaigns/campaign';
import { TemplatePreviewRequest, TemplateRequest } from '../domain/campaigns/template-versions';
import { ScheduleRequest } from '../domain/campaigns/schedule';
import { RoutingConfig } from '../domain/handoff/routing';
import { WebhookRequest, WebhookRotationRequest } from '../domain/handoff/webhooks';
import { Ruleset, RulesetVersion } from '../domain/scoring/ruleset';
import { SegmentDefinition, SegmentPreviewRequest, SegmentUpdate } from '../domain/segments/segment';
import { LANGUAGES, SUBSCRIPTION_TYPES } from '../domain/subscriptions';
import { SalesReasons } from '../domain/handoff/reasons';
import { CrmUpdateBatch, CrmUpdatesApplied, FeedbackRequest, HandoffReportQuery } from './handoff-schemas';
import { BacktestRequest, CampaignTestRequest, ErrorBody, LiftRequest, EventBatch, EventsAccepted, FormSubmission, PurchaseBatch, PurchasesRecorded, SubmissionAccepted } from './schemas';

const errors = {
  400: 'A field is invalid; `issues` names each field at fault.',
  413: 'The body is larger than 16 KB.',
  415: 'The Content-Type is not accepted.',
  429: 'Too many requests; retry later.',
  503: 'Stored but not yet processed; retry the same request.',
} as const;

const errorResponses = (codes: readonly (keyof typeof errors)[]) =>
  Object.fromEntries(codes.map((code) => [code, { description: errors[code], content: { 'application/json': { schema: ErrorBody } } }]));

/** The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the handlers enforce. */
export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'In AWS admin routes use IAM (SigV4-signed requests); locally, `Authorization: Bearer <dev token>` printed by `npm start`.',
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/forms/{formId}/submissions',
    summary: 'Submit a form',
    description:
      'Creates the lead for the email or updates it, records consent for each ticked subscription and the submission as engagement. ' +
      'A retry with the same Idempotency-Key header (or idempotencyKey field) is the same submission.',
    request: {
      params: z.object({ formId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
      headers: z.object({ 'idempotency-key': z.string().max(128).optional() }),
      body: {
        content: {
          'application/json': { schema: FormSubmission },
          'application/x-www-form-urlencoded': { schema: FormSubmission },
        },
      },
    },
    responses: {
      202: { description: 'Accepted and stored.', content: { 'application/json': { schema: SubmissionAccepted } } },
      ...errorResponses([400, 413, 415, 429, 503]),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/events',
    summary: 'Send engagement events',
    description: 'Up to 50 events for an email or an anonymous visitor id. Each event id is recorded once; repeats are reported as duplicates.',
    request: { body: { content: { 'application/json': { schema: EventBatch } } } },
    responses: {
      202: { description: 'Stored; scoring follows.', content: { 'application/json': { schema: EventsAccepted } } },
      ...errorResponses([400, 413, 415, 429, 503]),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/admin/leads/{leadId}',
    summary: 'Get a lead with its score breakdown',
    security: [{ adminAuth: [] }],
    request: { params: z.object({ leadId: z.uuid() }) },
    responses: {
      200: { description: 'The lead, its `owner` once routing assigned one (`{ repId, teamId, assignedAt }`), its custom `attributes`, its `purchases` profile as of now (count, total, average order value, lifetime value, days since the last purchase, RFM scores 1-5 and segment; `prospect` with zero scores when nothing was bought), its current scores, grade, stage, `stageHistory` (its entry at creation, `from: null`, then every transition with `from`, `to`, `cause`, `actor`, `at` and `reason` or `deal` when given), per-rule breakdown and recent events.' },
      400: { description: errors[400], content: { 'application/json': { schema: ErrorBody } } },
      403: { description: 'Missing or wrong credentials.' },
      404: { description: 'No such lead.', content: { 'application/json': { schema: ErrorBody } } },
    },
  });

  registry.registerPath({ method: 'get', path: '/v1/openapi.json', summary: 'This document', responses: { 200: { description: 'The OpenAPI 3.1 document of the API.' } } });

  const page = { 200: { description: 'An HTML page (no script, no cookie).', content: { 'text/html': { schema: z.string() } } }, 400: { description: 'The link is malformed, tampered with or expired: an HTML page saying so; nothing changes.' } };
  const signedLink = z.object({ token: z.string().describe('The signed link token from the email.'), lang: z.enum(LANGUAGES).optional() });
  registry.registerPath({ method: 'get', path: '/v1/preferences', summary: 'Preference centre page', request: { query: signedLink }, responses: page });
  registry.registerPath({
    method: 'post', path: '/v1/preferences', summary: 'Save preferences or leave everything',
    description: 'Form fields `token`, `lang`, `subscription.<type>=opted_in|opted_out` for each type, or `action=leave`. Each change appends a consent record.',
    request: {
      body: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.object({
              token: z.string().describe('The signed preferences token of the page.'),
              lang: z.enum(LANGUAGES).optional(),
              action: z.literal('leave').optional().describe('Leave everything: every subscription opted out.'),
              ...Object.fromEntries(SUBSCRIPTION_TYPES.map((type) => [`subscription.${type}`, z.enum(['opted_in', 'opted_out']).optional()])),
            }),
          },
        },
      },
    },
    responses: page,
  });
  registry.registerPath({ method: 'get', path: '/v1/subscriptions/confirm', summary: 'Double opt-in confirmation page (changes nothing on GET)', request: { query: signedLink }, responses: page });
  registry.registerPath({ method: 'post', path: '/v1/subscriptions/confirm', summary: 'Confirm a pending subscription; confirming twice is harmless', request: { query: signedLink }, responses: page });
  registry.registerPath({ method: 'get', path: '/v1/unsubscribe', summary: 'Unsubscribe page (changes nothing on GET)', request: { query: signedLink }, responses: page });
  registry.registerPath({
    method: 'post', path: '/v1/unsubscribe', summary: 'One-click unsubscribe (RFC 8058)',
    description: 'Body `List-Unsubscribe=One-Click`, urlencoded or multipart/form-data; idempotent.',
    request: { query: signedLink, body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ 'List-Unsubscribe': z.literal('One-Click') }) } } } },
    responses: page,
  });

  const admin = { security: [{ adminAuth: [] }] };
  const version = z.object({ version: RulesetVersion });
  const adminErrors = {
    400: { description: errors[400], content: { 'application/json': { schema: ErrorBody } } },
    403: { description: 'Missing or wrong credentials.' },
    404: { description: 'No such ruleset.', content: { 'application/json': { schema: ErrorBody } } },
  };
  const rulesetBody = { content: { 'application/json': { schema: Ruleset } } };
  /** The query of every admin list: it answers a page at a time. */
  const pageQuery = {
    query: z.object({
      limit: z.string().optional().describe('Items per page, 1 to 200 (default 50); another value is 400 naming `limit`.'),
      cursor: z.string().optional().describe('The previous page\'s `nextCursor`; one the list did not give is 400 naming `cursor`.'),
    }),
  };
  const paged = { 400: adminErrors[400], 403: adminErrors[403] };

  registry.registerPath({ method: 'get', path: '/v1/admin/rulesets', summary: 'List ruleset versions and the active one', ...admin, request: pageQuery, responses: { 200: { description: '`{ active, items, nextCursor? }`: a page of versions, oldest first (the built-in starter leads the first), each with its status (draft, active, retired) and last back-test.' }, ...paged } });
  registry.registerPath({
    method: 'post', path: '/v1/admin/rulesets/validate', summary: 'Validate a ruleset without saving it', ...admin,
    description: 'Every problem with its path by rule id and field, including conditions that can never match.',
    request: { body: rulesetBody },
    responses: { 200: { description: '`{ valid, issues: [{ path, message }] }`.' }, 403: adminErrors[403] },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/rulesets/{version}', summary: 'Read a ruleset version', ...admin, request: { params: version }, responses: { 200: { description: 'The ruleset, its status and last back-test.' }, ...adminErrors } });
  registry.registerPath({
    method: 'put', path: '/v1/admin/rulesets/{version}', summary: 'Save a draft', ...admin,
    description: 'Creates or replaces a draft (replacing drops its back-test). Active and retired versions never change (409).',
    request: { params: version, body: rulesetBody },
    responses: { 200: { description: 'Saved as a draft.' }, ...adminErrors, 409: { description: 'The version is active or retired.', content: { 'application/json': { schema: ErrorBody } } } },
  });
  registry.registerPath({
    method: 'get', path: '/v1/admin/rulesets/{version}/diff', summary: 'Compare a version with another (default: the active one)', ...admin,
    request: { params: version, query: z.object({ against: RulesetVersion.optional() }) },
    responses: { 200: { description: 'Settings changed; rules added, removed and changed, field by field.' }, ...adminErrors },
  });
  registry.registerPath({
    method: 'post', path: '/v1/admin/rulesets/{version}/backtest', summary: 'Back-test a version against the active ruleset', ...admin,
    description: 'Replays the recorded events of the window through both rulesets with the live engine: MQLs, MQLs per week, leads that would newly qualify or drop out, the score histogram, the rules that moved the most points; per ruleset, `closedWon` (leads won since the window opened, how many it qualified at or before the win, median days before) and `alertLoad` (alerts per rep under the saved routing in round-robin order, with the busiest week; team inboxes; `unrouted` without routing).',
    request: { params: version, body: { content: { 'application/json': { schema: BacktestRequest } } } },
    responses: { 200: { description: 'The back-test report.' }, ...adminErrors },
  });
  registry.registerPath({
    method: 'post', path: '/v1/admin/rulesets/{version}/activate', summary: 'Activate a back-tested draft and rescore every lead', ...admin,
    request: { params: version },
    responses: { 202: { description: '`{ jobId, progress }`: follow the rescoring at `progress`.' }, ...adminErrors, 409: { description: 'Not a draft, not back-tested, or changed meanwhile.', content: { 'application/json': { schema: ErrorBody } } } },
  });
  registry.registerPath({
    method: 'get', path: '/v1/admin/rescoring/{jobId}', summary: 'Progress of a rescoring job', ...admin,
    request: { params: z.object({ jobId: z.uuid() }) },
    responses: { 200: { description: '`{ done, total, planned, status, progress: "done / total" }`.' }, 403: adminErrors[403], 404: { description: 'No such job.' } },
  });

  const leadParam = z.object({ leadId: z.uuid() });
  registry.registerPath({
    method: 'get', path: '/v1/admin/leads/{leadId}/export', summary: 'Export everything held about a lead (right of access)', ...admin,
    request: { params: leadParam },
    responses: { 200: { description: 'JSON: the profile, consent records, events, purchases, alerts and every other record, grouped by kind.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such lead.' } },
  });
  registry.registerPath({
    method: 'delete', path: '/v1/admin/leads/{leadId}', summary: 'Erase a lead everywhere (right to erasure)', ...admin,
    description: 'Deletes every item that names the lead (profile, events, purchases, consent records, alerts, links); the address stays suppressed as a salted hash. Running it again finishes an interrupted erasure.',
    request: { params: leadParam },
    responses: { 200: { description: '`{ erased, erasureId, items }`.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such lead.' } },
  });

  registry.registerPath({
    method: 'post', path: '/v1/admin/purchases', summary: 'Record purchases (1-100): purchase history for RFM segments and lifetime value', ...admin,
    description:
      'Each purchase names its lead by `email` (an unknown address becomes a lead with only that address) or `leadId`. An `orderId` is recorded once: ' +
      'a repeat, in this request or any later one, is `duplicate` and changes nothing. A lead keeps the currency of its first purchase; a purchase in another is ' +
      '`currency_mismatch` (leadflow converts no currencies). Any invalid item refuses the whole request with 400 and nothing is stored.',
    request: { body: { content: { 'application/json': { schema: PurchaseBatch } } } },
    responses: {
      200: { description: 'One result per item, in order.', content: { 'application/json': { schema: PurchasesRecorded } } },
      400: adminErrors[400],
      403: adminErrors[403],
      413: { description: 'The body is larger than 64 KB.' },
      503: { description: 'The table refused more writes part-way (throttling); repeat the same request: recorded items report duplicate and are not counted twice.', content: { 'application/json': { schema: ErrorBody } } },
    },
  });

  const campaignParam = z.object({ campaignId: z.uuid() });
  registry.registerPath({
    method: 'post', path: '/v1/admin/campaigns', summary: 'Create a campaign draft', ...admin,
    description:
      'A subscription type (only leads opted in to it receive the campaign), an optional segment (a condition over `{ lead, score, activity, purchases }`, or the `segmentId` of a saved segment, whose current version the campaign keeps) and a template with `{{ field | "fallback" }}` fields. The unsubscribe footer and List-Unsubscribe headers are added by the sender. ' +
      'The template is either inline or a stored template `{ templateId, version? }` (the latest version when absent): its content is copied into the campaign with `templateRef`, so later template versions never change the campaign.',
    request: { body: { content: { 'application/json': { schema: CampaignDefinition } } } },
    responses: { 201: { description: 'The draft.' }, 400: { description: 'A field is invalid, a template names an unknown field (`template.html`), or the template or version does not exist (`template.templateId`, `template.version`).', content: { 'application/json': { schema: ErrorBody } } }, 403: adminErrors[403] },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/campaigns/{campaignId}', summary: 'A campaign with its status, schedule (sendAt, timeZone, sendsAtUtc) when scheduled, and counters (recipients, sent, skipped)', ...admin, request: { params: campaignParam }, responses: { 200: { description: 'The campaign.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign.' } } });
  registry.registerPath({
    method: 'get', path: '/v1/admin/campaigns/{campaignId}/preview', summary: 'Preview a campaign: audience count and sample; with leadId, what that lead would see', ...admin,
    request: { params: campaignParam, query: z.object({ leadId: z.uuid().optional() }) },
    responses: { 200: { description: '`{ audience: { count, sample, complete }, rendered?, wouldReceive? }`; counting stops after 20,000 leads (`complete: false`).' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign or lead.' } },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/campaigns/{campaignId}/report', summary: 'Campaign report: sent, delivered, opened, clicked, bounced, complained, unsubscribed and their rates', ...admin, request: { params: campaignParam }, responses: { 200: { description: 'Counts per recipient (an open counts once per person; scanner opens and clicks not at all) and rates in percent.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign.' } } });
  registry.registerPath({
    method: 'post', path: '/v1/admin/campaigns/{campaignId}/test', summary: 'Test-send a campaign to named addresses', ...admin,
    description: 'Subject marked [Test]; personalised with the named lead or the fallbacks; not recorded, not tracked; its unsubscribe link changes nothing; suppressed addresses are skipped.',
    request: { params: campaignParam, body: { content: { 'application/json': { schema: CampaignTestRequest } } } },
    responses: { 202: { description: 'Queued.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign.' } },
  });
  registry.registerPath({ method: 'post', path: '/v1/admin/campaigns/{campaignId}/send', summary: 'Start sending a draft', ...admin, request: { params: campaignParam }, responses: { 202: { description: 'Sending; follow the counters on the campaign.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign.' }, 409: { description: 'Not a draft.' } } });

  for (const [action, effect] of [['pause', 'senders stop at their next batch'], ['resume', 'planning starts again from the first page; recorded sends are not repeated'], ['cancel', 'nothing more is sent; a scheduled campaign loses its schedule']] as const) {
    registry.registerPath({ method: 'post', path: `/v1/admin/campaigns/{campaignId}/${action}`, summary: `${action[0]?.toUpperCase()}${action.slice(1)} a campaign: ${effect}`, ...admin, request: { params: campaignParam }, responses: { 200: { description: 'The new status.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign.' }, 409: { description: 'Not in a status this control applies to.' } } });
  }

  const segmentParam = z.object({ segmentId: z.uuid() });
  const segmentErrors = { 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such segment.' } };
  const audienceAnswer = '`{ count, sample: [{ leadId, email }], complete, leadsScanned }`: members counted among at most 50,000 leads or 20 s of reading (`complete: false` when it stopped early).';
  registry.registerPath({
    method: 'post', path: '/v1/admin/segments', summary: 'Save a segment', ...admin,
    description: 'A `where` condition over `{ lead, score, activity, purchases }` in the product\'s pattern language and `history` conditions over recorded events ("visited the pricing page at least once in the last 14 days", "downloaded X but did not register for the webinar"). Conditions that can never match are refused with their path.',
    request: { body: { content: { 'application/json': { schema: SegmentDefinition } } } },
    responses: { 201: { description: 'The segment, version 1.' }, 400: adminErrors[400], 403: adminErrors[403] },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/segments', summary: 'List saved segments, newest first', ...admin, request: pageQuery, responses: { 200: { description: '`{ items, nextCursor? }`: a page of segments.' }, ...paged } });
  registry.registerPath({
    method: 'post', path: '/v1/admin/segments/preview', summary: 'Preview a segment definition before saving it', ...admin,
    request: { body: { content: { 'application/json': { schema: SegmentPreviewRequest } } } },
    responses: { 200: { description: audienceAnswer }, 400: adminErrors[400], 403: adminErrors[403] },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/segments/{segmentId}', summary: 'Read a segment', ...admin, request: { params: segmentParam }, responses: { 200: { description: 'The segment and its version.' }, ...segmentErrors } });
  registry.registerPath({
    method: 'put', path: '/v1/admin/segments/{segmentId}', summary: 'Save a new version of a segment', ...admin,
    description: 'Campaigns already created keep the version they were created with. With `expectedVersion`, refused (409) if someone saved another version since.',
    request: { params: segmentParam, body: { content: { 'application/json': { schema: SegmentUpdate } } } },
    responses: { 200: { description: 'The segment at its new version.' }, ...segmentErrors, 409: { description: 'Changed since `expectedVersion`.' } },
  });
  registry.registerPath({ method: 'delete', path: '/v1/admin/segments/{segmentId}', summary: 'Delete a segment (campaigns made from it keep their copy)', ...admin, request: { params: segmentParam }, responses: { 204: { description: 'Deleted.' }, ...segmentErrors } });
  registry.registerPath({
    method: 'get', path: '/v1/admin/segments/{segmentId}/preview', summary: 'Who is in a segment now: count and sample', ...admin,
    request: { params: segmentParam, query: z.object({ subscription: z.enum(SUBSCRIPTION_TYPES).optional().describe('Count only leads opted in to this type and not suppressed.') }) },
    responses: { 200: { description: audienceAnswer }, ...segmentErrors },
  });
  const templateParam = z.object({ templateId: z.uuid() });
  const templateBody = { content: { 'application/json': { schema: TemplateRequest } } };
  const noTemplate = { description: 'No such template (or version).', content: { 'application/json': { schema: ErrorBody } } };
  const templateErrors = {
    400: { description: 'A field is invalid, or the template names an unknown field, has an unclosed `{{` or a badly quoted fallback; `issues` name the part (`subject`, `html`, `text`) and list the known fields.', content: { 'application/json': { schema: ErrorBody } } },
    403: adminErrors[403],
  };
  registry.registerPath({
    method: 'post', path: '/v1/admin/templates', summary: 'Create an email template (version 1)', ...admin,
    description: 'Placeholders are `{{ lead.<field> | "fallback" }}` with the profile fields (firstName, lastName, company, email, phone, role, industry, country, teamSize, annualRevenue, budget, preferredChannel) or `lead.attributes.<name>`. Values are HTML-escaped in the HTML part.',
    request: { body: templateBody },
    responses: { 201: { description: '`{ templateId, name, version: 1, latestVersion, subject, html, text?, createdAt }`.' }, ...templateErrors },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/templates', summary: 'List templates, most recently changed first', ...admin, request: pageQuery, responses: { 200: { description: '`{ items, nextCursor? }`: a page of `{ templateId, name, latestVersion, createdAt, updatedAt }`.' }, ...paged } });
  registry.registerPath({
    method: 'get', path: '/v1/admin/templates/{templateId}', summary: 'A template: its latest content and every version', ...admin,
    request: { params: templateParam },
    responses: { 200: { description: 'The latest version\'s subject, HTML and text, and `versions: [{ version, createdAt }]`.' }, 400: adminErrors[400], 403: adminErrors[403], 404: noTemplate },
  });
  registry.registerPath({
    method: 'put', path: '/v1/admin/templates/{templateId}', summary: 'Save a new version of a template', ...admin,
    description: 'Versions never change: new content becomes the next version (`created: true`). Content identical to the latest version makes no version (`created: false`, with a message); a changed name alone renames the template.',
    request: { params: templateParam, body: templateBody },
    responses: { 200: { description: 'The new version, or the latest one when nothing changed.' }, ...templateErrors, 404: noTemplate, 409: { description: 'Another edit saved a version meanwhile; read it and try again.', content: { 'application/json': { schema: ErrorBody } } } },
  });
  registry.registerPath({
    method: 'get', path: '/v1/admin/templates/{templateId}/versions/{version}', summary: 'One version of a template', ...admin,
    request: { params: z.object({ templateId: z.uuid(), version: z.number().int().min(1) }) },
    responses: { 200: { description: '`{ templateId, name, version, subject, html, text?, createdAt }`.' }, 400: adminErrors[400], 403: adminErrors[403], 404: noTemplate },
  });
  registry.registerPath({
    method: 'post', path: '/v1/admin/templates/{templateId}/preview', summary: 'Render a template for a lead, or with its fallbacks', ...admin,
    description: 'The rendered subject, HTML and text (the latest version unless `version` is given), ending with the subscriber footer as campaign emails do; its links are placeholders, as each recipient gets signed links at send time.',
    request: { params: templateParam, body: { content: { 'application/json': { schema: TemplatePreviewRequest } } } },
    responses: { 200: { description: '`{ templateId, version, leadId?, rendered: { subject, html, text } }`.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such template, version or lead.', content: { 'application/json': { schema: ErrorBody } } } },
  });
  registry.registerPath({
    method: 'post', path: '/v1/admin/campaigns/{campaignId}/schedule', summary: 'Schedule a draft to send at a local time in a time zone (or move the time of a scheduled campaign)', ...admin,
    description: 'The wall-clock time is read in the IANA zone, so "09:00 Asia/Jakarta" sends at 02:00 UTC. A time the clocks skip (daylight saving starts) is refused; a time they pass twice is the first of the two. It must be in the future and at most 365 days ahead. At that time the campaign moves to sending, as `send` does.',
    request: { params: campaignParam, body: { content: { 'application/json': { schema: ScheduleRequest } } } },
    responses: {
      200: { description: '`{ campaignId, status: "scheduled", schedule: { sendAt, timeZone, sendsAtUtc } }`.' },
      400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign.' },
      409: { description: 'Not a draft or scheduled; the message names its status.' },
      503: { description: 'EventBridge Scheduler did not answer; nothing changed, retry after `Retry-After` seconds.', content: { 'application/json': { schema: ErrorBody } } },
    },
  });
  registry.registerPath({
    method: 'post', path: '/v1/admin/campaigns/{campaignId}/unschedule', summary: 'Return a scheduled campaign to draft; its schedule is deleted', ...admin,
    request: { params: campaignParam },
    responses: {
      200: { description: '`{ campaignId, status: "draft" }`.' },
      400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such campaign.' },
      409: { description: 'Not scheduled; the message names its status.' },
      503: { description: 'EventBridge Scheduler did not answer; still scheduled, retry after `Retry-After` seconds.', content: { 'application/json': { schema: ErrorBody } } },
    },
  });

  const suppressedEmail = z.object({ email: z.string().describe('The address, URL-encoded (`%40` for @).') });
  registry.registerPath({ method: 'get', path: '/v1/admin/suppressions', summary: 'List suppressed addresses, newest first', ...admin, request: pageQuery, responses: { 200: { description: '`{ items, nextCursor? }`: a page of suppressions: address (absent once erased), reason, detail, time.' }, ...paged } });
  registry.registerPath({ method: 'get', path: '/v1/admin/suppressions/{email}', summary: 'Is this address suppressed?', ...admin, request: { params: suppressedEmail }, responses: { 200: { description: 'The suppression.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'Not suppressed.' } } });
  registry.registerPath({
    method: 'post', path: '/v1/admin/suppressions/{email}/lift', summary: 'Lift a suppression, with a reason', ...admin,
    request: { params: suppressedEmail, body: { content: { 'application/json': { schema: LiftRequest } } } },
    responses: { 200: { description: 'Lifted; the reason is kept in an audit record.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'Not suppressed.' } },
  });

  registry.registerPath({
    method: 'get', path: '/v1/admin/routing', summary: 'Read the owner routing configuration', ...admin,
    responses: { 200: { description: 'The teams, rules and default team, with `version` and `updatedAt`.' }, 403: adminErrors[403], 404: { description: 'No routing configured: MQL alerts go to the sales inbox.' } },
  });
  registry.registerPath({
    method: 'put', path: '/v1/admin/routing', summary: 'Replace the owner routing configuration', ...admin,
    description:
      'Teams (id, name, team `inbox`, reps with id, name, email and `capacity`: the most open MQLs at once), `rules` tried in order (`when`: a pattern over `{ lead }`; `team`) and a `defaultTeam`. ' +
      'A qualified lead without an owner goes to the first matching rule\'s team, else the default, and to the team\'s next rep under capacity by round-robin; when all are full, to the team inbox unassigned. ' +
      'Refused with 400 naming the field: a rule or default naming no team, a team or rep id used twice, a condition that is malformed or can never match.',
    request: { body: { content: { 'application/json': { schema: RoutingConfig } } } },
    responses: { 200: { description: 'The saved configuration with its new `version`.' }, 400: adminErrors[400], 403: adminErrors[403], 409: { description: 'Saved by someone else at the same time; read and repeat.' } },
  });

  registry.registerPath({
    method: 'post', path: '/v1/admin/webhooks', summary: 'Register a webhook endpoint', ...admin,
    description: 'An https `url` leading to a public address (not loopback, private or link-local, nor a name resolving to one) and the `eventTypes` it wants. The answer holds the signing `secret`, shown this once. Deliveries are signed POSTs; see the README, section Webhooks.',
    request: { body: { content: { 'application/json': { schema: WebhookRequest } } } },
    responses: { 201: { description: 'The endpoint with its `secret`.' }, 400: adminErrors[400], 403: adminErrors[403], 503: { description: 'The host name could not be resolved now; retry.' } },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/webhooks', summary: 'List webhook endpoints (without secrets)', ...admin, request: pageQuery, responses: { 200: { description: '`{ items, nextCursor? }`: a page of endpoints, oldest first: id, url, eventTypes, description, createdAt, and `previousSecretUntil` while a rotated-out secret still signs.' }, ...paged } });
  registry.registerPath({
    method: 'post', path: '/v1/admin/webhooks/{webhookId}/secret', summary: 'Rotate a webhook endpoint\'s signing secret', ...admin,
    description: 'A new secret, shown this once. For `overlapHours` (default 24, at most 168; 0 for none) deliveries carry a signature under the old secret beside the new one, so the receiver can switch without missing one.',
    request: { params: z.object({ webhookId: z.uuid() }), body: { content: { 'application/json': { schema: WebhookRotationRequest } } } },
    responses: {
      200: { description: '`{ id, secret, previousSecretUntil? }`.' },
      400: adminErrors[400],
      403: adminErrors[403],
      404: { description: 'No such webhook.' },
      409: { description: 'The endpoint got a new secret meanwhile (a concurrent rotation).' },
    },
  });
  registry.registerPath({
    method: 'delete', path: '/v1/admin/webhooks/{webhookId}', summary: 'Delete a webhook endpoint', ...admin,
    request: { params: z.object({ webhookId: z.uuid() }) },
    responses: { 204: { description: 'Deleted; nothing more is delivered to it.' }, 400: adminErrors[400], 403: adminErrors[403], 404: { description: 'No such webhook.' } },
  });

  const errorBody = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });
  registry.registerPath({
    method: 'post', path: '/v1/admin/leads/{leadId}/feedback', summary: 'Sales feedback on a lead: accept, reject, won, lost or disqualify', ...admin,
    description:
      'accept: mql -> sql. reject (reason from the reject list): -> recycled, and the lead\'s engagement is reset so it must earn a new qualification (a new alert). ' +
      'won (reason, amount, currency, billingFrequency): opportunity -> customer. lost (reason): -> recycled, or disqualified for a lost reason marked `never`. ' +
      'disqualify: any stage -> disqualified. Each change is recorded as a transition and published as `lead.stage-changed`.',
    request: { params: z.object({ leadId: z.uuid() }), body: { content: { 'application/json': { schema: FeedbackRequest } } } },
    responses: {
      200: { description: '`{ leadId, stage, transition: { from, to, cause, actor, at, reason? }, deal? }`.' },
      400: errorBody('A field is invalid; a reason not on the list names `reason` and lists the allowed ones.'),
      403: adminErrors[403],
      404: errorBody('No such lead.'),
      409: { description: 'The lead\'s stage does not allow this change: `{ message, stage, requested, allowed }`.' },
      503: errorBody('The lead kept changing; nothing was recorded, repeat the request.'),
    },
  });
  registry.registerPath({ method: 'get', path: '/v1/admin/settings/sales-reasons', summary: 'The reject, won and lost reason lists (the standard ones until a team saves its own)', ...admin, responses: { 200: { description: 'The lists.', content: { 'application/json': { schema: SalesReasons } } }, 403: adminErrors[403] } });
  registry.registerPath({
    method: 'put', path: '/v1/admin/settings/sales-reasons', summary: 'Replace the reason lists', ...admin,
    request: { body: { content: { 'application/json': { schema: SalesReasons } } } },
    responses: { 200: { description: 'Saved; feedback is checked against these lists from now on.', content: { 'application/json': { schema: SalesReasons } } }, 400: adminErrors[400], 403: adminErrors[403] },
  });
  registry.registerPath({
    method: 'post', path: '/v1/admin/crm/updates', summary: 'Stage and contact updates from a CRM (1-100)', ...admin,
    description: 'Each update is applied once per `updateId`, in the CRM\'s order (`occurredAt`): one older than the last applied to its lead changes nothing (`stale`). A stage change follows the transition table (`invalid_transition` otherwise, with the allowed stages). Contact changes are announced as `lead.contact-changed` with `source: crm` and `changeId` `crm:<updateId>`.',
    request: { body: { content: { 'application/json': { schema: CrmUpdateBatch } } } },
    responses: {
      200: { description: 'One result per update.', content: { 'application/json': { schema: CrmUpdatesApplied } } },
      400: adminErrors[400],
      403: adminErrors[403],
      503: errorBody('The table refused more writes, or the contact changes could not be announced; updates applied so far stay applied, repeat the same request.'),
    },
  });
  registry.registerPath({
    method: 'get', path: '/v1/admin/reports/handoff', summary: 'Handoff report: funnel, conversion, time to MQL, MQL acceptance, won and lost reasons', ...admin,
    description: 'Over the months `from`..`to` (UTC, at most 24): leads entering each stage per month (a lead\'s entry at creation included); conversion out of each funnel stage by the month leads entered it (of those, the percentage that reached a later funnel stage since, followed up to 12 months past `to`), with the window\'s total; days from creation to first MQL (median, p90); accepted / (accepted + rejected); won and lost reasons with counts and amounts per currency.',
    request: { query: HandoffReportQuery },
    responses: { 200: { description: '`{ months, funnel, conversion, timeToMql, mqlAcceptance, won, lost }`.' }, 400: adminErrors[400], 403: adminErrors[403] },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'leadflow API',
      version: '1',
      description: 'Capture leads and engagement; read scored leads; manage scoring rulesets. Generated from the request schemas.',
    },
  });
}
