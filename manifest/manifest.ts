import type { Manifest } from './types';
import { DELIVERED_WEBHOOK_TYPES, DetailType, EVENT_SOURCE } from '../src/domain/events';
import { apiDocsRoutes } from '../functions/api-docs/routes';
import { backtestRulesetRoutes } from '../functions/backtest-ruleset/routes';
import { captureChatRoutes } from '../functions/capture-chat/routes';
import { captureFormRoutes } from '../functions/capture-form/routes';
import { showFormsRoutes } from '../functions/show-forms/routes';
import { customerFeedbackRoutes } from '../functions/customer-feedback/routes';
import { receiveHelpDeskTicketsRoutes } from '../functions/receive-help-desk-tickets/routes';
import { collectEventsRoutes } from '../functions/collect-events/routes';
import { getLeadRoutes } from '../functions/get-lead/routes';
import { listLeadsRoutes } from '../functions/list-leads/routes';
import { handoffReportsRoutes } from '../functions/handoff-reports/routes';
import { ingestEventsRoutes } from '../functions/ingest-events/routes';
import { leadDataRightsRoutes } from '../functions/lead-data-rights/routes';
import { manageCampaignsRoutes } from '../functions/manage-campaigns/routes';
import { controlCampaignsRoutes } from '../functions/control-campaigns/routes';
import { manageSendSettingsRoutes } from '../functions/manage-send-settings/routes';
import { manageFormsRoutes } from '../functions/manage-forms/routes';
import { manageJourneysRoutes } from '../functions/manage-journeys/routes';
import { manageJourneyEnrolmentsRoutes } from '../functions/manage-journey-enrolments/routes';
import { manageChatSourcesRoutes } from '../functions/manage-chat-sources/routes';
import { manageCustomerCareRoutes } from '../functions/manage-customer-care/routes';
import { manageCareSettingsRoutes } from '../functions/manage-care-settings/routes';
import { manageRoutingRoutes } from '../functions/manage-routing/routes';
import { manageRulesetsRoutes } from '../functions/manage-rulesets/routes';
import { manageSourcesRoutes } from '../functions/manage-sources/routes';
import { manageSegmentsRoutes } from '../functions/manage-segments/routes';
import { manageSuppressionsRoutes } from '../functions/manage-suppressions/routes';
import { manageTemplatesRoutes } from '../functions/manage-templates/routes';
import { manageWebhooksRoutes } from '../functions/manage-webhooks/routes';
import { preferenceCentreRoutes } from '../functions/preference-centre/routes';
import { recordPurchasesRoutes } from '../functions/record-purchases/routes';
import { salesFeedbackRoutes } from '../functions/sales-feedback/routes';
import { serveSnippetRoutes } from '../functions/serve-snippet/routes';
import { whoAmIRoutes } from '../functions/who-am-i/routes';
import { manageUsersRoutes } from '../functions/manage-users/routes';

/**
 * Every function of leadflow, its trigger and what it may touch. The CDK stack and the local runtime
 * are both built from this value: adding a function is one entry here plus its folder under functions/.
 *
 * `table` lists the item kinds each function's code reaches, found from the stores its handler builds
 * (src/adapters/*-store.ts) and the items their transactions write; the comment beside it says why.
 * A kind missing here is an AccessDenied in AWS and a refused call in local mode, so add it with the code.
 *
 * `emits` lists the detail types each function puts on the bus, itself or through a schedule; with the
 * triggers it makes the event flow readable here. test/unit/manifest-emits.test.ts checks it against
 * the events each handler's code builds, so add a detail type to it with the code that publishes it.
 */
export const manifest: Manifest = {
  service: 'leadflow',
  http: {
    throttleRatePerSecond: 50,
    throttleBurst: 100,
    maxBodyBytes: 16 * 1024,
    // A visitor's browser sends a form and a few batches of events; an office behind one address, a
    // few visitors at once. 5 a second is 1,500 per 5 minutes, the edge option's default WAF limit.
    perClient: { ratePerSecond: 5, burst: 20 },
  },
  functions: [
    {
      name: 'capture-form',
      description: 'Accepts a form submission (checked against its form definition when it has one), answering a browser with a page and an API caller or the embed script with JSON.',
      entry: 'functions/capture-form/handler.ts',
      trigger: { kind: 'http', routes: captureFormRoutes, audience: 'public' },
      emits: [DetailType.EngagementRecorded, DetailType.LeadContactChanged, DetailType.ConsentConfirmationRequested, DetailType.LeadIdentified],
      timeoutSeconds: 10,
      memoryMb: 256,
      // Forms sign and check their render time with the link keys (under a purpose of their own) and
      // verify a CAPTCHA with their form's secret.
      access: ['bus:put', 'secret:signing-keys', 'secret:form-captcha'],
      // The lead by its address (EMAIL#, created once per address), the lead and its consent and stage
      // records, the submission (once per idempotency key) and its event (LEAD#), the visitor's link
      // (ANON#), the form's definition (FORM#, read only). No delete.
      table: { read: ['SUBSCRIPTION_TYPES', 'EMAIL#', 'LEAD#', 'ANON#', 'FORM#'], write: ['EMAIL#', 'LEAD#', 'ANON#'] },
      reservedConcurrency: 50,
    },
    {
      name: 'show-forms',
      description: 'Serves a form as its hosted page and as the script that embeds it in any site, each with a fresh signed render time.',
      entry: 'functions/show-forms/handler.ts',
      trigger: { kind: 'http', routes: showFormsRoutes, audience: 'public' },
      timeoutSeconds: 10,
      memoryMb: 256,
      // The render time is signed with the link keys, under the forms' own purpose.
      access: ['secret:signing-keys'],
      // The form's definition only.
      table: { read: ['FORM#'] },
      reservedConcurrency: 50,
    },
    {
      name: 'ingest-events',
      description: 'Accepts a batch of engagement events from the tracking snippet or a chat widget.',
      entry: 'functions/ingest-events/handler.ts',
      latencyPath: 'scoring',
      trigger: { kind: 'http', routes: ingestEventsRoutes, audience: 'public' },
      emits: [DetailType.EngagementRecorded],
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['bus:put'],
      // A lead by address (EMAIL#, created with its LEAD# items when new), a visitor's lead (ANON#); the
      // events go into the history of their lead (LEAD#) or visitor (ANON#), whose recent part is read
      // to tell a faithful repeat from an id reused for another event.
      table: { read: ['EMAIL#', 'ANON#', 'LEAD#'], write: ['EMAIL#', 'LEAD#', 'ANON#'] },
      reservedConcurrency: 50,
    },
    {
      name: 'capture-chat',
      description: "Takes a chat tool's signed webhook call (Intercom, tawk.to or a generic Standard Webhooks source): visitor messages become chat_message events, an email left in the chat identifies the lead.",
      entry: 'functions/capture-chat/handler.ts',
      trigger: { kind: 'http', routes: captureChatRoutes, audience: 'public' },
      emits: [DetailType.EngagementRecorded, DetailType.LeadIdentified],
      timeoutSeconds: 10,
      memoryMb: 256,
      // Opens the source's sealed secret with the signing-key ring.
      access: ['bus:put', 'secret:signing-keys'],
      // An Intercom notification carries the whole conversation: larger than a form.
      maxBodyBytes: 128 * 1024,
      // The source's settings (CHAT#, read only); each delivery's claim (CHAT_DELIVERY#); then what event
      // intake reaches: the lead by address (EMAIL#, created with its LEAD# items when new), the visitor's
      // link (ANON#) and the events' histories (LEAD#, ANON#). No delete.
      table: { read: ['CHAT#', 'CHAT_DELIVERY#', 'EMAIL#', 'ANON#', 'LEAD#'], write: ['CHAT_DELIVERY#', 'EMAIL#', 'LEAD#', 'ANON#'] },
      reservedConcurrency: 20,
    },
    {
      name: 'collect-events',
      description: 'The Segment-compatible collector: track, page, identify, group, alias and batch calls from analytics.js or leadflow.js, and the settings analytics.js loads.',
      entry: 'functions/collect-events/handler.ts',
      // Pages of every customer site call it: the function checks each call's origin against its source's.
      trigger: { kind: 'http', routes: collectEventsRoutes, audience: 'public', cors: 'by-function' },
      emits: [DetailType.EngagementRecorded, DetailType.LeadIdentified],
      timeoutSeconds: 10,
      memoryMb: 256,
      // analytics.js batches up to 500 KB; leadflow keeps batches to 100 calls.
      maxBodyBytes: 64 * 1024,
      access: ['bus:put'],
      // The write key read by its exact key (WRITEKEY#); then as ingest-events: a lead by address (EMAIL#,
      // created with its LEAD# items when new), visitor links (ANON#, written on identify and alias, with
      // the lead's list of its visitor ids on LEAD#), events in their lead's or visitor's history.
      table: { read: ['WRITEKEY#', 'EMAIL#', 'ANON#', 'LEAD#'], write: ['EMAIL#', 'LEAD#', 'ANON#'] },
      reservedConcurrency: 50,
    },
    {
      name: 'manage-sources',
      description: 'Tracking sources: add a website with its origins and write key, list, rename or change its origins, rotate and revoke keys.',
      entry: 'functions/manage-sources/handler.ts',
      trigger: { kind: 'http', routes: manageSourcesRoutes, audience: 'admin' },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: [],
      // A source lists its keys (SOURCE#); each key has its own item (WRITEKEY#), changed with it; the list is the SOURCES index partition. No delete.
      table: { read: ['SOURCE#'], write: ['SOURCE#', 'WRITEKEY#'], query: { gsi1: ['SOURCES'] } },
    },
    {
      name: 'api-docs',
      description: 'Serves the OpenAPI document generated from the request schemas (when the bundle is built; locally, at the first request).',
      entry: 'functions/api-docs/handler.ts',
      trigger: { kind: 'http', routes: apiDocsRoutes, audience: 'public' },
      timeoutSeconds: 5,
      memoryMb: 256,
      access: [],
    },
    {
      name: 'serve-snippet',
      description: 'Serves leadflow.js, the tracking snippet, at a versioned path that browsers cache for a year.',
      entry: 'functions/serve-snippet/handler.ts',
      trigger: { kind: 'http', routes: serveSnippetRoutes, audience: 'public' },
      timeoutSeconds: 5,
      memoryMb: 256,
      access: [],
    },
    {
      name: 'preference-centre',
      description: 'The subscriber pages reached from signed email links: preference centre, one-click unsubscribe (RFC 8058), double opt-in confirmation.',
      entry: 'functions/preference-centre/handler.ts',
      trigger: {
        kind: 'http',
        routes: preferenceCentreRoutes,
        audience: 'public',
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['secret:signing-keys'],
      // The lead's statuses and consent records (LEAD#); an unsubscribe counted on its campaign send (CAMPAIGN#).
      table: { read: ['SUBSCRIPTION_TYPES', 'LEAD#'], write: ['LEAD#', 'CAMPAIGN#'] },
      reservedConcurrency: 20,
    },
    {
      name: 'manage-suppressions',
      description: 'The suppression list: look up, list and lift (with a reason) suppressed addresses.',
      entry: 'functions/manage-suppressions/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageSuppressionsRoutes,
        audience: 'admin',
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['secret:privacy-salt'],
      // A lift deletes the suppression and soft-bounce count and records why (SUPPRESSED#), and clears
      // the mark on the lead found by its address (EMAIL# -> LEAD#); the list is the SUPPRESSIONS index partition.
      table: { read: ['SUPPRESSED#', 'EMAIL#'], write: ['SUPPRESSED#', 'LEAD#'], delete: ['SUPPRESSED#'], query: { gsi1: ['SUPPRESSIONS'] } },
    },
    {
      name: 'lead-data-rights',
      description: "Data subjects' rights: export everything held about a lead, or erase it everywhere, keeping its address suppressed as a hash.",
      entry: 'functions/lead-data-rights/handler.ts',
      trigger: {
        kind: 'http',
        routes: leadDataRightsRoutes,
        audience: 'admin',
      },
      // An erasure sets its sweep, which puts lead.erasure-sweep-due on the bus fifteen minutes on.
      emits: [DetailType.LeadErasureSweepDue],
      timeoutSeconds: 29,
      memoryMb: 512,
      access: ['secret:privacy-salt', 'scheduler:manage'],
      // Finds everything naming the lead (its partition with its events, its visitors' partitions;
      // purchases, help-desk requesters and older campaigns' sends by index; newer campaigns' sends by the
      // campaign ids, CAMPAIGN_IDS; rescoring markers by the rulesets' job ids), keeps its address
      // suppressed as a hash, and deletes the rest in batches; the recurring surveys, whose timers it deletes (CARE).
      // Takes the lead's id out of the kept pages of plans and rescorings not yet published (listed in
      // KEPT_PAGES; each page an UpdateItem under CAMPAIGN# or RESCORE#, which its batch deletes could write anyway).
      table: {
        read: ['LEAD#', 'ANON#', 'RULESET#', 'RULESET', 'CAMPAIGN_IDS', 'CAMPAIGN#', 'RESCORE#', 'KEPT_PAGES', 'CARE'],
        write: ['SUPPRESSED#', 'CAMPAIGN#', 'RESCORE#'],
        batchWrite: ['LEAD#', 'EMAIL#', 'ANON#', 'CAMPAIGN#', 'ORDER#', 'RESCORE#', 'REQUESTER#'],
        query: { gsi1: ['SENDS#', 'PURCHASES#', 'REQUESTERS#', 'RULESETS'] },
      },
    },
    {
      name: 'manage-campaigns',
      description: 'Campaign drafts: create (subscription type, segment, template), list, read, report; preview the audience and what a lead would see.',
      entry: 'functions/manage-campaigns/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageCampaignsRoutes,
        audience: 'admin',
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      maxBodyBytes: 256 * 1024,
      access: [],
      // Campaigns (CAMPAIGN#) from a saved segment (SEGMENT#) and template (TEMPLATE#) of a subscription type
      // (SUBSCRIPTION_TYPES); previews list leads (LEADS# shards), read their score and history (LEAD#) and
      // the rulesets they were scored with, and the average customer lifespan projected lifetime values use
      // (CARE); the list of campaigns is the CAMPAIGNS index partition, and each new campaign's id is listed
      // for data rights (CAMPAIGN_IDS).
      table: {
        read: ['SUBSCRIPTION_TYPES', 'CAMPAIGN#', 'SEGMENT#', 'TEMPLATE#', 'LEAD#', 'RULESET#', 'RULESET', 'CARE'],
        write: ['CAMPAIGN#', 'CAMPAIGN_IDS'],
        query: { gsi1: ['LEADS#', 'CAMPAIGNS'] },
      },
    },
    {
      name: 'control-campaigns',
      description: 'Campaigns in motion: send now or at a local time, pause, resume, cancel, unschedule; test sends.',
      entry: 'functions/control-campaigns/handler.ts',
      trigger: {
        kind: 'http',
        routes: controlCampaignsRoutes,
        audience: 'admin',
      },
      // The schedule puts campaign.send-due on the bus at its time.
      emits: [DetailType.CampaignSendRequested, DetailType.CampaignTestRequested, DetailType.CampaignSendDue],
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['bus:put', 'scheduler:manage'],
      // The campaign item, its plan and its counter shards (CAMPAIGN#): status, schedule and the counts a status follows from.
      table: { read: ['CAMPAIGN#'], write: ['CAMPAIGN#'] },
    },
    {
      name: 'manage-send-settings',
      description: 'What every marketing email goes by: the subscription types and the send-time policy (frequency cap, quiet hours).',
      entry: 'functions/manage-send-settings/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageSendSettingsRoutes,
        audience: 'admin',
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: [],
      // The subscription types (SUBSCRIPTION_TYPES) and the send-time policy item (SETTINGS). Deleting a type
      // reads what could name it: consent records by type (CONSENTS#) and the consent index backfill's marker
      // (SETTINGS), the listings of campaigns, journeys, forms and segments, each journey and form with its
      // versions, and the care surveys (CARE).
      table: {
        read: ['SUBSCRIPTION_TYPES', 'SETTINGS', 'CARE', 'JOURNEY#', 'FORM#'],
        write: ['SUBSCRIPTION_TYPES', 'SETTINGS'],
        query: { gsi1: ['CAMPAIGNS', 'CONSENTS#', 'JOURNEYS', 'FORMS', 'SEGMENTS'] },
      },
    },
    {
      name: 'manage-journeys',
      description: 'Journeys as versioned data: create and validate drafts, publish versions, pause, resume, archive, report per journey, step and split arm.',
      entry: 'functions/manage-journeys/handler.ts',
      trigger: { kind: 'http', routes: manageJourneysRoutes, audience: 'admin' },
      timeoutSeconds: 10,
      memoryMb: 256,
      // A journey with inline email templates is larger than a form.
      maxBodyBytes: 256 * 1024,
      access: [],
      // Journeys, their versions and counters (JOURNEY#, listed on JOURNEYS), the stored templates a
      // draft names (TEMPLATE#, copied in at publish), the subscription types its steps name. No lead.
      table: { read: ['SUBSCRIPTION_TYPES', 'JOURNEY#', 'TEMPLATE#'], write: ['JOURNEY#'], query: { gsi1: ['JOURNEYS'] } },
    },
    {
      name: 'manage-journey-enrolments',
      description: 'Enrols a lead in a journey by hand, and moves named enrolled leads (or every one, resumably) to a newer version.',
      entry: 'functions/manage-journey-enrolments/handler.ts',
      trigger: { kind: 'http', routes: manageJourneyEnrolmentsRoutes, audience: 'admin' },
      emits: [DetailType.JourneyEnrolmentRequested],
      timeoutSeconds: 10,
      memoryMb: 256,
      // The limit these routes had when manage-journeys served them, so a large body is answered as before.
      maxBodyBytes: 256 * 1024,
      access: ['bus:put'],
      // The journey and the published version a move goes to (JOURNEY#), the move of every lead (JOURNEY#),
      // the lead a manual enrolment names (LEAD#), the enrolments a move saves at their revision (LEAD#),
      // found for a move of every lead through the lead listing (LEADS# on gsi1).
      table: { read: ['JOURNEY#', 'LEAD#'], write: ['JOURNEY#', 'LEAD#'], query: { gsi1: ['LEADS#'] } },
    },
    {
      name: 'manage-segments',
      description: 'Segments as data: save, version, list and delete segment definitions; preview who is in one (count and sample) before any send.',
      entry: 'functions/manage-segments/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageSegmentsRoutes,
        audience: 'admin',
      },
      // A preview reads leads for up to 20 s; memory buys CPU for matching them.
      timeoutSeconds: 25,
      memoryMb: 1024,
      maxBodyBytes: 64 * 1024,
      access: [],
      // Segment definitions (SEGMENT#, listed on SEGMENTS); previews as manage-campaigns reads them.
      table: { read: ['SUBSCRIPTION_TYPES', 'SEGMENT#', 'LEAD#', 'RULESET#', 'RULESET', 'CARE'], write: ['SEGMENT#'], delete: ['SEGMENT#'], query: { gsi1: ['SEGMENTS', 'LEADS#'] } },
    },
    {
      name: 'manage-templates',
      description: 'Email templates as versioned data: create, list, read, add a version (versions never change), read a version, preview for a lead (a version or unsaved edits), request a test send.',
      entry: 'functions/manage-templates/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageTemplatesRoutes,
        audience: 'admin',
      },
      // send-campaign sends the test, as it sends a campaign's.
      emits: [DetailType.TemplateTestRequested],
      timeoutSeconds: 10,
      memoryMb: 256,
      maxBodyBytes: 256 * 1024,
      access: ['bus:put'],
      // Template heads and versions (TEMPLATE#, listed on TEMPLATES); a preview or test reads one lead (LEAD#).
      table: { read: ['SUBSCRIPTION_TYPES', 'TEMPLATE#', 'LEAD#'], write: ['TEMPLATE#'], query: { gsi1: ['TEMPLATES'] } },
    },
    {
      name: 'manage-forms',
      description: 'Web forms as versioned data: save a definition as the next version (versions never change), list, read the latest or one version.',
      entry: 'functions/manage-forms/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageFormsRoutes,
        audience: 'admin',
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      maxBodyBytes: 64 * 1024,
      access: [],
      // Form heads and versions (FORM#, listed on FORMS).
      table: { read: ['SUBSCRIPTION_TYPES', 'FORM#'], write: ['FORM#'], query: { gsi1: ['FORMS'] } },
    },
    {
      name: 'manage-routing',
      description: 'Owner routing as data: teams of reps with capacities, rules in order and a default team; read and replace.',
      entry: 'functions/manage-routing/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageRoutingRoutes,
        audience: 'admin',
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      maxBodyBytes: 256 * 1024,
      access: [],
      // The one routing configuration item.
      table: { read: ['ROUTING'], write: ['ROUTING'] },
    },
    {
      name: 'manage-webhooks',
      description: 'Webhook endpoints for a CRM or chat tool: register one (its signing secret, derived from the signing-key ring and never stored, is shown once), list, rotate its secret with an overlap, delete.',
      entry: 'functions/manage-webhooks/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageWebhooksRoutes,
        audience: 'admin',
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['secret:signing-keys'],
      // Webhook endpoints (WEBHOOK#, listed on WEBHOOKS); delete removes one.
      table: { read: ['WEBHOOK#'], write: ['WEBHOOK#'], delete: ['WEBHOOK#'], query: { gsi1: ['WEBHOOKS'] } },
    },
    {
      name: 'manage-chat-sources',
      description: 'Chat sources posting to signed inbound webhooks: add one (its secret sealed under the signing-key ring), list, rotate its secret with an overlap, remove.',
      entry: 'functions/manage-chat-sources/handler.ts',
      trigger: { kind: 'http', routes: manageChatSourcesRoutes, audience: 'admin' },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['secret:signing-keys'],
      // Chat sources (CHAT#, listed on CHATSOURCES); remove deletes one.
      table: { read: ['CHAT#'], write: ['CHAT#'], delete: ['CHAT#'], query: { gsi1: ['CHATSOURCES'] } },
    },
    {
      name: 'get-lead',
      description: 'Returns a lead with its scores, grade, stage and score breakdown, and its score over time.',
      entry: 'functions/get-lead/handler.ts',
      trigger: { kind: 'http', routes: getLeadRoutes, audience: 'admin' },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: [],
      // The lead, its score, stage history and recent events (LEAD#), the ruleset it was scored with
      // (RULESET#, and the active one, RULESET), whose rules replay its events for the score history. Read only.
      table: { read: ['LEAD#', 'RULESET#', 'RULESET'] },
    },
    {
      name: 'list-leads',
      description: 'Lists leads by text, stage, grade, owner and tracked segment, or by current score; files leads scored before the score index under their score band; indexes older consent records by type.',
      entry: 'functions/list-leads/handler.ts',
      trigger: { kind: 'http', routes: listLeadsRoutes, audience: 'admin' },
      // The list sorted by score reads the bands from the top for each page: deep pages of a large table take seconds.
      timeoutSeconds: 29,
      memoryMb: 256,
      access: [],
      // The list walks the listing partitions (LEADS# on gsi1), reads the leads (LEAD#) and looks an exact address up (EMAIL#).
      // The lead list filtered by a tracked segment reads the segment (SEGMENT#) and its member entries (MEMBERS#).
      // Sorted by score it reads the score bands (B# on `bands`), whether they were filled (SETTINGS) and
      // the rulesets the scores were kept under (RULESET#, RULESET); the backfill files a score item under
      // its band (LEAD#) and marks the bands filled (SETTINGS); the sorted list lowers the stale bands it reads (LEAD#).
      // The consent index backfill walks the same listing, reads each lead's consent records (LEAD#), gives
      // those without one their entry in the index by type (LEAD#) and marks the index filled (SETTINGS):
      // the lead walk and the grants of the score-band backfill, so it lives here and needs none more.
      table: { read: ['LEAD#', 'RULESET#', 'RULESET', 'EMAIL#', 'SEGMENT#', 'SETTINGS'], write: ['LEAD#', 'SETTINGS'], query: { gsi1: ['LEADS#', 'MEMBERS#'], bands: ['B#'] } },
    },
    {
      name: 'who-am-i',
      description: 'Tells the console who is signed in and their role.',
      entry: 'functions/who-am-i/handler.ts',
      trigger: { kind: 'http', routes: whoAmIRoutes, audience: 'admin' },
      timeoutSeconds: 5,
      memoryMb: 256,
      access: [],
    },
    {
      name: 'manage-users',
      description: "The console's users and roles, admins only: list with role and status, invite with a role, change a role, disable and enable.",
      entry: 'functions/manage-users/handler.ts',
      trigger: { kind: 'http', routes: manageUsersRoutes, audience: 'admin' },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['users:manage'],
      // Local mode's users (USERS), with the routing's reps among them (ROUTING); Cognito holds them in AWS.
      table: { read: ['USERS', 'ROUTING'], write: ['USERS'] },
    },
    {
      name: 'record-purchases',
      description: "Records purchases from a shop or CRM once per order id, moving each lead's purchase summary (RFM) in the same transaction.",
      entry: 'functions/record-purchases/handler.ts',
      trigger: { kind: 'http', routes: recordPurchasesRoutes, audience: 'admin' },
      // Each recorded order, for the customer's churn risk (days since the last purchase).
      emits: [DetailType.PurchaseRecorded],
      timeoutSeconds: 29,
      memoryMb: 256,
      // 100 purchases with long product names do not fit the API's default 16 KB.
      maxBodyBytes: 64 * 1024,
      access: ['bus:put'],
      // Orders once each (ORDER#) with the lead's summary (LEAD#); a lead named by address is found or created (EMAIL#).
      table: { read: ['LEAD#', 'ORDER#', 'EMAIL#'], write: ['LEAD#', 'ORDER#', 'EMAIL#'] },
    },
    {
      name: 'manage-rulesets',
      description: 'Scoring rulesets as versioned data: list, read, validate, save drafts, diff, activate; rescoring progress.',
      entry: 'functions/manage-rulesets/handler.ts',
      trigger: {
        kind: 'http',
        routes: manageRulesetsRoutes,
        audience: 'admin',
      },
      emits: [DetailType.RescorePageRequested],
      timeoutSeconds: 10,
      memoryMb: 256,
      maxBodyBytes: 256 * 1024,
      access: ['bus:put'],
      // Versions (RULESET#, listed on RULESETS), the active pointer (RULESET), the rescoring job an activation starts (RESCORE#).
      table: { read: ['RULESET#', 'RULESET', 'RESCORE#'], write: ['RULESET#', 'RULESET', 'RESCORE#'], query: { gsi1: ['RULESETS'] } },
    },
    {
      name: 'backtest-ruleset',
      description: 'Replays a window of recorded events through a draft and the active ruleset and reports what would change.',
      entry: 'functions/backtest-ruleset/handler.ts',
      trigger: { kind: 'http', routes: backtestRulesetRoutes, audience: 'admin' },
      // API Gateway answers within 30 s; memory buys CPU for the replay.
      timeoutSeconds: 29,
      memoryMb: 1769,
      access: [],
      // Every lead (LEADS# shards) with its profile, score and events of the window (LEAD#), the routing for alert load; the summary kept on the draft.
      table: { read: ['RULESET#', 'RULESET', 'ROUTING', 'LEAD#'], write: ['RULESET#'], query: { gsi1: ['LEADS#'] } },
    },
    {
      name: 'plan-rescoring',
      description: 'Lists leads page by page after an activation and fans them out for rescoring, counting the job total.',
      entry: 'functions/plan-rescoring/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.RescorePageRequested] },
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 15,
      },
      emits: [DetailType.LeadsRescoreRequested, DetailType.RescorePageRequested],
      timeoutSeconds: 60,
      memoryMb: 256,
      access: ['bus:put'],
      // Lists lead ids (LEADS# shards), keeps each page as first listed until published and counts it into the job once (RESCORE#);
      // lists each kept page until it is finished, for erasures to find (KEPT_PAGES).
      table: { read: ['RESCORE#'], write: ['RESCORE#', 'KEPT_PAGES'], delete: ['KEPT_PAGES'], query: { gsi1: ['LEADS#'] } },
    },
    {
      name: 'rescore-leads',
      description: 'Rescores leads under the newly active ruleset, once per job, without re-alerting qualified leads.',
      entry: 'functions/rescore-leads/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.LeadsRescoreRequested] },
        batchSize: 4,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        // An activation queues every lead at once: an hour of backlog is the work, not a fault.
        oldestMessageAlarmMinutes: 60,
      },
      emits: [DetailType.LeadQualified],
      timeoutSeconds: 120,
      memoryMb: 512,
      access: ['bus:put'],
      // Replays the history a lead's score holds and replaces the score (LEAD#) with the job's marker and counter (RESCORE#).
      table: { read: ['LEAD#', 'RULESET#', 'RULESET'], write: ['LEAD#', 'RESCORE#'] },
    },
    {
      name: 'finish-erasures',
      description: "Deletes what work under way for a lead when it was erased wrote under the lead's id after: fifteen minutes on, every item found by the id.",
      entry: 'functions/finish-erasures/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.LeadErasureSweepDue] },
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        // Nobody waits on a sweep, but an hour late it leaves an erased lead's id in the table that long.
        oldestMessageAlarmMinutes: 60,
      },
      timeoutSeconds: 60,
      memoryMb: 512,
      access: [],
      // Finds what names the lead as lead-data-rights does (its partition; purchases, help-desk requesters and
      // older campaigns' sends by index; newer campaigns' sends by the campaign ids; rescoring markers by the
      // rulesets' job ids) and deletes it in batches, unless the profile is still there; takes the id out of
      // kept pages listed since (KEPT_PAGES; an UpdateItem under CAMPAIGN# or RESCORE#, as lead-data-rights).
      table: {
        read: ['LEAD#', 'RULESET#', 'RULESET', 'CAMPAIGN_IDS', 'CAMPAIGN#', 'RESCORE#', 'KEPT_PAGES'],
        write: ['CAMPAIGN#', 'RESCORE#'],
        batchWrite: ['LEAD#', 'CAMPAIGN#', 'ORDER#', 'RESCORE#', 'REQUESTER#'],
        query: { gsi1: ['SENDS#', 'PURCHASES#', 'REQUESTERS#', 'RULESETS'] },
      },
    },
    {
      name: 'score-lead',
      description: 'Applies recorded engagement to its lead once (a batch grouped by lead), keeps fit, engagement and grade, emits lead.qualified.',
      entry: 'functions/score-lead/handler.ts',
      latencyPath: 'scoring',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [DetailType.EngagementRecorded, DetailType.LeadIdentified],
        },
        batchSize: 10,
        // On the path from an accepted event to the MQL alert: a window would hold every score back by
        // up to its length at low traffic. A lead's events of one request arrive as one message anyway,
        // so there is little to gain from waiting for more.
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        // Scores should land within a minute (ScoreLatency); five minutes of backlog is falling behind.
        oldestMessageAlarmMinutes: 5,
      },
      emits: [DetailType.LeadQualified],
      timeoutSeconds: 30,
      memoryMb: 512,
      access: ['bus:put'],
      // Reads the lead's score, profile and new events and rewrites the score (LEAD#); an identified
      // visitor's events move from its history (ANON#, deleted there) to the lead's.
      table: { read: ['ANON#', 'LEAD#', 'RULESET#', 'RULESET'], write: ['LEAD#'], delete: ['ANON#'] },
    },
    {
      name: 'record-deliverability',
      description: 'Turns SES bounces and complaints into suppressions: at once for hard bounces and complaints, after repeated soft bounces.',
      entry: 'functions/record-deliverability/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: ['aws.ses'], 'detail-type': ['Email Bounced', 'Email Complaint Received'] },
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 15,
      },
      timeoutSeconds: 30,
      memoryMb: 256,
      access: ['secret:privacy-salt'],
      // Suppressions and soft-bounce counts (SUPPRESSED#), and the mark on the address's lead (EMAIL# -> LEAD#).
      table: { read: ['SUPPRESSED#', 'EMAIL#'], write: ['SUPPRESSED#', 'LEAD#'] },
    },
    {
      name: 'send-confirmation',
      description: 'Emails double opt-in confirmation links for subscriptions a form left pending.',
      entry: 'functions/send-confirmation/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.ConsentConfirmationRequested] },
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        // The subscriber is waiting for the confirmation email.
        oldestMessageAlarmMinutes: 10,
      },
      timeoutSeconds: 30,
      memoryMb: 256,
      access: ['ses:send', 'secret:signing-keys', 'secret:privacy-salt', 'links:public'],
      // Reads the lead and whether its address is suppressed; claims its confirmation and quota items
      // under the lead (CONFIRMATION#…), marks them sent, or expires a claim when SES fails.
      table: { read: ['SUBSCRIPTION_TYPES', 'LEAD#', 'SUPPRESSED#'], write: ['LEAD#'] },
    },
    {
      name: 'plan-campaign',
      description: "Starts scheduled campaigns when due; lists a campaign's recipients page by page (segment and opt-in) and fans them out to the senders.",
      entry: 'functions/plan-campaign/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.CampaignSendRequested, DetailType.CampaignSendDue] },
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 15,
      },
      emits: [DetailType.CampaignRecipientsPlanned, DetailType.CampaignSendRequested],
      timeoutSeconds: 60,
      memoryMb: 512,
      access: ['bus:put'],
      // Walks one LEADS# shard per chain, reads each lead's score and history (LEAD#), keeps and counts pages on the campaign (CAMPAIGN#);
      // the average customer lifespan (CARE); lists each kept page until it is finished, for erasures to find (KEPT_PAGES).
      table: { read: ['CAMPAIGN#', 'LEAD#', 'RULESET#', 'RULESET', 'CARE'], write: ['CAMPAIGN#', 'KEPT_PAGES'], delete: ['KEPT_PAGES'], query: { gsi1: ['LEADS#'] } },
    },
    {
      name: 'send-campaign',
      description: 'Sends a campaign to planned recipients, once each, through the send-time policy (consent, suppression, quiet hours, frequency cap); and test sends of a campaign or a template to named addresses.',
      entry: 'functions/send-campaign/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.CampaignRecipientsPlanned, DetailType.CampaignTestRequested, DetailType.TemplateTestRequested] },
        batchSize: 4,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        // A large campaign drains at the SES send rate, so its recipients wait their turn.
        oldestMessageAlarmMinutes: 60,
      },
      // Recipients in their quiet hours go back on the bus, through a one-time schedule, when those end;
      // those a dead sender left claimed, once its claims are stale, to be settled.
      emits: [DetailType.CampaignRecipientsPlanned],
      timeoutSeconds: 120,
      memoryMb: 512,
      // scheduler:manage defers recipients in their quiet hours to the end of them.
      access: ['ses:send', 'secret:signing-keys', 'secret:privacy-salt', 'links:public', 'scheduler:manage'],
      // Send records and counters (CAMPAIGN#; a claim is deleted when SES refused the call), the shared
      // rate window (SEND_RATE), the recipient (LEAD#) and its suppression (SUPPRESSED#), the send-time
      // policy (SETTINGS) and the recipient's marketing send ledger for the frequency cap (LEAD#); the
      // template version a template test send names (TEMPLATE#).
      table: { read: ['SUBSCRIPTION_TYPES', 'CAMPAIGN#', 'LEAD#', 'SUPPRESSED#', 'SETTINGS', 'TEMPLATE#'], write: ['CAMPAIGN#', 'SEND_RATE', 'LEAD#'], delete: ['CAMPAIGN#'] },
    },
    {
      name: 'track-campaign',
      description: "Counts SES events of campaign emails per recipient and turns the subscriber's opens and clicks into engagement; counts opens and clicks of journey emails per step.",
      entry: 'functions/track-campaign/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: ['aws.ses'],
          'detail-type': ['Email Delivered', 'Email Opened', 'Email Clicked', 'Email Bounced', 'Email Complaint Received', 'Email Rejected'],
          detail: { mail: { tags: { $or: [{ campaign: [{ exists: true }] }, { journey: [{ exists: true }] }] } } },
        },
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 15,
      },
      emits: [DetailType.EngagementRecorded],
      timeoutSeconds: 30,
      memoryMb: 256,
      access: ['bus:put'],
      // Counters on the send and the campaign (CAMPAIGN#); opens and clicks as engagement events in the lead's history (LEAD#);
      // a journey email's opens and clicks on its step claim (LEAD#) and the journey's counters (JOURNEY#).
      table: { read: ['CAMPAIGN#', 'LEAD#'], write: ['CAMPAIGN#', 'LEAD#', 'JOURNEY#'] },
    },
    {
      name: 'deliver-webhooks',
      description: 'POSTs each subscribed bus event, signed, to every webhook endpoint that wants it, once per endpoint and event; failures retry until the DLQ.',
      entry: 'functions/deliver-webhooks/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [...DELIVERED_WEBHOOK_TYPES] },
        // One event per invocation: a slow endpoint delays only its own event's retries.
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        // The handler backs off 30 s, 1, 2, ... 32 min between attempts: about 63 minutes, then the DLQ.
        maxReceiveCount: 8,
        // SQS leaves a message received more than three times out of this metric, so endpoint backoff does not hold it up.
        oldestMessageAlarmMinutes: 15,
      },
      timeoutSeconds: 30,
      memoryMb: 256,
      access: ['secret:signing-keys'],
      // Endpoints (WEBHOOKS on gsi1) and per-event delivery claims under each (WEBHOOK#, deleted after a
      // failed POST); the lead a payload describes (LEAD#).
      table: { read: ['WEBHOOK#', 'LEAD#'], write: ['WEBHOOK#'], delete: ['WEBHOOK#'], query: { gsi1: ['WEBHOOKS'] } },
    },
    {
      name: 'record-lifecycle',
      description: 'Moves a qualified lead to the mql stage once per qualification, and a subscriber who gives details through a form to lead, recording each transition and publishing lead.stage-changed.',
      entry: 'functions/record-lifecycle/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [DetailType.LeadQualified, DetailType.LeadContactChanged],
          // Of contact changes, only a form's that set a field beyond the address moves a stage (a
          // subscriber becomes a lead): the bus does not deliver the CRM's or an address-only form's.
          // Qualifications carry neither field.
          detail: { source: ['form', { exists: false }], fields: [{ 'anything-but': 'email' }, { exists: false }] },
        },
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 10,
      },
      emits: [DetailType.LeadStageChanged],
      timeoutSeconds: 30,
      memoryMb: 256,
      access: ['bus:put'],
      // The lead, its transition and applied-once records (LEAD#); leaving mql frees the owner's place (ROUTING#REP#).
      table: { read: ['LEAD#'], write: ['LEAD#', 'ROUTING#REP#'] },
    },
    {
      name: 'track-segments',
      description:
        "Keeps each lead's membership of the tracked saved segments as the lead changes and as time alone changes it (a check in the due-time index), and publishes lead.segment_entered and lead.segment_left once per change.",
      entry: 'functions/track-segments/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [DetailType.EngagementRecorded, DetailType.LeadIdentified, DetailType.LeadQualified, DetailType.LeadContactChanged, DetailType.LeadStageChanged, DetailType.LeadSegmentCheckDue],
          // What the lead's new events change is looked at once they are scored (engagement.recorded,
          // lead.identified): that covers a form's contact change (the form's own engagement.recorded
          // follows the profile's write) and score-lead's qualification (made by that scoring, and the
          // only one with signalReceivedAt). So the bus delivers only the CRM's contact changes and a
          // rescoring's qualifications, which no scoring of new events follows.
          detail: { source: ['crm', { exists: false }], signalReceivedAt: [{ exists: false }] },
        },
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        // Journeys enter on these events: a quarter of an hour behind is late.
        oldestMessageAlarmMinutes: 15,
      },
      emits: [DetailType.LeadSegmentEntered, DetailType.LeadSegmentLeft],
      // A change from new events waits up to 10 s for the scorer before its retry.
      timeoutSeconds: 30,
      memoryMb: 256,
      access: ['bus:put'],
      // The lead, its score, events, memberships and next check (LEAD#; the check's index entry is in
      // gsi1's JDUE# shards), the tracked segments (SEGMENTS on gsi1) and the rulesets scores are
      // decayed with; the average customer lifespan (CARE).
      table: { read: ['LEAD#', 'RULESET#', 'RULESET', 'CARE'], write: ['LEAD#'], query: { gsi1: ['SEGMENTS'] } },
    },
    {
      name: 'sales-feedback',
      description: "Sales feedback on handed-over leads (accept, reject, won, lost, disqualify) with the team's reason lists, stage and contact updates from the CRM, and the team inbox reps claim waiting MQLs from.",
      entry: 'functions/sales-feedback/handler.ts',
      trigger: {
        kind: 'http',
        routes: salesFeedbackRoutes,
        audience: 'admin',
      },
      emits: [DetailType.LeadContactChanged, DetailType.LeadStageChanged, DetailType.LeadAssigned],
      timeoutSeconds: 29,
      memoryMb: 256,
      // 100 CRM updates with contact details do not fit the API's default 16 KB.
      maxBodyBytes: 64 * 1024,
      access: ['bus:put'],
      // As record-lifecycle, plus the reason lists (SETTINGS), CRM updates naming a lead by address
      // (EMAIL#), and the team inbox: the routing (ROUTING), its index partitions, claims (LEAD#, ROUTING#REP#).
      table: { read: ['LEAD#', 'EMAIL#', 'SETTINGS', 'ROUTING'], write: ['LEAD#', 'ROUTING#REP#', 'SETTINGS'], query: { gsi1: ['TEAMINBOX#'] } },
    },
    {
      name: 'refile-score-bands',
      description: "Files a lead's score anew under the band of its new profile after a CRM contact change, for the lead list sorted by score.",
      entry: 'functions/refile-score-bands/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [DetailType.LeadContactChanged],
          // A form's contact change is followed by its own engagement.recorded, whose scoring files
          // the band over the new profile; the CRM's is the one profile change no score write follows.
          detail: { source: ['crm'] },
        },
        // A CRM batch announces up to 100 changes at once: ten a batch, each lead a conditional write at most.
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 15,
      },
      timeoutSeconds: 30,
      memoryMb: 256,
      access: [],
      // The lead's profile and score (LEAD#: read together, the band written on the score item guarded
      // by both versions), the ruleset that scored it (RULESET#; the built-in one by the active pointer, RULESET).
      table: { read: ['LEAD#', 'RULESET#', 'RULESET'], write: ['LEAD#'] },
    },
    {
      name: 'handoff-reports',
      description: 'The handoff report: funnel per stage and month, conversion, time to MQL, MQL acceptance, won and lost reasons.',
      entry: 'functions/handoff-reports/handler.ts',
      trigger: { kind: 'http', routes: handoffReportsRoutes, audience: 'admin' },
      timeoutSeconds: 29,
      memoryMb: 512,
      access: [],
      // Reads only the monthly transition partitions of gsi1.
      table: { query: { gsi1: ['TRANSITIONS#'] } },
    },
    {
      name: 'alert-sales',
      description: "Once per lead qualification: gives the lead an owner by the routing rules (round-robin under capacity), publishes lead.assigned and the owner's follow-up request, emails the owner or the team inbox with the reasons.",
      entry: 'functions/alert-sales/handler.ts',
      latencyPath: 'alert',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.LeadQualified] },
        batchSize: 5,
        // The last step to the MQL alert: each qualification is alerted as soon as it arrives.
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        // Sales should hear of an MQL within two minutes (MqlAlertLatency).
        oldestMessageAlarmMinutes: 5,
      },
      emits: [DetailType.LeadAssigned, DetailType.FollowUpRequested],
      timeoutSeconds: 30,
      memoryMb: 256,
      // The owner's follow-up timers are started by schedule-follow-ups, on the request this publishes.
      access: ['ses:send', 'bus:put'],
      // The alert claim, assignment and owner (LEAD#; a claim is deleted after a failed send), the
      // routing (ROUTING), round-robin turns (ROUTING#TEAM#) and reps' open counts (ROUTING#REP#), recent events (LEAD#).
      table: { read: ['LEAD#', 'ROUTING', 'ROUTING#REP#'], write: ['LEAD#', 'ROUTING#TEAM#', 'ROUTING#REP#'], delete: ['LEAD#'] },
    },
    {
      name: 'follow-up-handoff',
      description: "An assigned MQL's follow-up: reminds its rep, then reassigns it to the team's next rep under capacity (or the team inbox), once per step.",
      entry: 'functions/follow-up-handoff/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.FollowUpDue] },
        batchSize: 5,
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 10,
      },
      emits: [DetailType.LeadAssigned, DetailType.FollowUpRequested],
      timeoutSeconds: 30,
      memoryMb: 256,
      // The new owner's timers are started by schedule-follow-ups, on the request this publishes.
      access: ['ses:send', 'bus:put'],
      // Follow-up step claims (LEAD#; deleted after a failed email), the reassignment with both reps' counts, as alert-sales.
      table: { read: ['LEAD#', 'ROUTING', 'ROUTING#REP#'], write: ['LEAD#', 'ROUTING#TEAM#', 'ROUTING#REP#'], delete: ['LEAD#'] },
    },
    {
      name: 'schedule-follow-ups',
      description: "An assigned MQL's follow-up timers: starts the owner's reminder and reassignment timers when alert-sales or follow-up-handoff requests them; a lead leaving mql cancels them.",
      entry: 'functions/schedule-follow-ups/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.FollowUpRequested, DetailType.LeadStageChanged], detail: { from: ['mql', { exists: false }] } },
        batchSize: 5,
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 10,
      },
      // Through its schedules, which put the follow-up's steps on the bus.
      emits: [DetailType.FollowUpDue],
      timeoutSeconds: 30,
      memoryMb: 256,
      // The follow-up's schedules are made and deleted here only: alert-sales and follow-up-handoff ship without the Scheduler's client.
      access: ['scheduler:manage'],
      // The lead's qualification count and owner (LEAD#), which name the timers of a lead that left mql.
      table: { read: ['LEAD#'] },
    },
    {
      name: 'run-journeys',
      description: "Runs journeys: enrols leads whose event or segment matches a published journey's entry (once, by its re-entry rule), moves waits on when their timer is due, the awaited event happens or their email has ended, and does each step once.",
      entry: 'functions/run-journeys/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [
            DetailType.EngagementRecorded,
            DetailType.LeadStageChanged,
            DetailType.LeadQualified,
            DetailType.LeadContactChanged,
            DetailType.JourneyStepDue,
            DetailType.JourneyEmailStepEnded,
            DetailType.JourneyEnrolmentRequested,
            DetailType.LeadSegmentEntered,
          ],
        },
        batchSize: 10,
        // Waits end on time only if their timer's event is taken at once.
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 10,
      },
      emits: [DetailType.LeadStageChanged, DetailType.JourneyWebhookStepReached, DetailType.JourneyEmailStepReached],
      timeoutSeconds: 60,
      memoryMb: 512,
      // Stage changes of update_lead steps go on the bus, and steps other functions do: webhook steps
      // (deliver-webhooks), email and notify steps (send-journey-email).
      access: ['bus:put'],
      // Journeys and their counters (JOURNEY#, listed on JOURNEYS); under each lead (LEAD#) its
      // enrolments, upcoming date entries (written when a form or the CRM sets a date attribute), step claims (expired, not deleted, when an effect failed), stage transitions and consent
      // records; the lead's events, score and the rulesets scoring it (goals and branches see the lead as
      // segments do); the reps' open counts a stage change frees; the average customer lifespan segments
      // value customers with (CARE).
      table: {
        read: ['JOURNEY#', 'LEAD#', 'RULESET#', 'RULESET', 'ROUTING', 'CARE'],
        write: ['JOURNEY#', 'LEAD#', 'ROUTING#REP#'],
        query: { gsi1: ['JOURNEYS'] },
      },
    },
    {
      name: 'send-journey-email',
      description: "Sends a journey's email steps (send-time policy, signed unsubscribe links) and notify steps run-journeys hands over, once per step run, counts each email's outcome and tells run-journeys the step ended.",
      entry: 'functions/send-journey-email/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.JourneyEmailStepReached] },
        batchSize: 10,
        // A journey's email goes the moment its step is reached.
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 10,
      },
      emits: [DetailType.JourneyEmailStepEnded],
      timeoutSeconds: 30,
      memoryMb: 256,
      // The step run's end goes on the bus for run-journeys, which moves the enrolment on.
      access: ['ses:send', 'secret:signing-keys', 'secret:privacy-salt', 'links:public', 'bus:put'],
      // The journey version holding the step (JOURNEY#) and its report counters; under the lead (LEAD#)
      // the step's claim it takes over and ends, the lead, its marketing send ledger and the sales task
      // of a notify step; subscription types, suppressions, the send-time policy (SETTINGS) and the
      // routing a notification goes by.
      table: {
        read: ['SUBSCRIPTION_TYPES', 'JOURNEY#', 'LEAD#', 'SUPPRESSED#', 'SETTINGS', 'ROUTING'],
        write: ['JOURNEY#', 'LEAD#'],
      },
    },
    {
      name: 'sweep-journeys',
      description:
      "Each minute requests a drain (journey.timers-due) of each due-time index shard with entries due; hourly (and on publishing a date journey) indexes date entries due within two hours and requests those due; hourly lowers stale score bands.",
      entry: 'functions/sweep-journeys/handler.ts',
      trigger: { kind: 'schedule', expression: 'rate(1 minute)', localEverySeconds: 1, localRestsWhileNothingDue: true },
      emits: [DetailType.JourneyTimersDue, DetailType.JourneyEnrolmentRequested],
      timeoutSeconds: 60,
      memoryMb: 512,
      access: ['bus:put'],
      // Reads one entry of each shard of the due-time index (JDUE# on gsi1) and takes the shards' sweep
      // leases (JDUE#); the date pass reads published journeys (JOURNEYS on gsi1, JOURNEY#), pages
      // through leads (LEADS# on gsi1, their score items under LEAD#) and puts their upcoming date
      // entries in the index (LEAD#). The score band round reads the band index from the top (B# on
      // `bands`), the leads' profiles and scores (LEAD#) and the rulesets that scored them, lowers stale
      // bands on score items (LEAD#) and keeps where it stands (SETTINGS).
      table: { read: ['JOURNEY#', 'LEAD#', 'RULESET#', 'RULESET', 'SETTINGS'], write: ['JDUE#', 'LEAD#', 'SETTINGS'], query: { gsi1: ['JDUE#', 'JOURNEYS', 'LEADS#'], bands: ['B#'] } },
    },
    {
      name: 'sweep-journey-shard',
      description:
      "Drains one due-time index shard as its sweep lease's holder: leases each due entry and puts its event on the bus (journey.step-due, journey.enrolment-requested, lead.segment-check-due); a backlog goes on in a drain of its own.",
      entry: 'functions/sweep-journey-shard/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.JourneyTimersDue] },
        // One shard per invocation: the shards of a busy minute drain side by side.
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 3,
        // A due shard is drained within seconds; a wait should not be minutes late.
        oldestMessageAlarmMinutes: 5,
      },
      emits: [DetailType.JourneyStepDue, DetailType.JourneyTimersDue, DetailType.JourneyEnrolmentRequested, DetailType.LeadSegmentCheckDue],
      timeoutSeconds: 60,
      memoryMb: 512,
      access: ['bus:put'],
      // Reads the due-time index (JDUE# on gsi1), moves each due entry's lease on its item (LEAD#: an
      // enrolment, a segment check, a date entry, which leaves the index once requested) and holds the
      // shard's sweep lease (JDUE#).
      table: { write: ['LEAD#', 'JDUE#'], query: { gsi1: ['JDUE#'] } },
    },
    {
      name: 'customer-feedback',
      description: "The customer's side after the sale: one-click survey answers from signed email links, with the follow-up page.",
      entry: 'functions/customer-feedback/handler.ts',
      trigger: { kind: 'http', routes: customerFeedbackRoutes, audience: 'public' },
      emits: [DetailType.SurveyAnswered],
      timeoutSeconds: 10,
      memoryMb: 256,
      // Survey links are signed under the signing-key ring.
      access: ['bus:put', 'secret:signing-keys'],
      // The survey send and the customer's care record (LEAD#); the care settings (CARE, read only). No delete.
      table: { read: ['LEAD#', 'CARE'], write: ['LEAD#'] },
      reservedConcurrency: 20,
    },
    {
      name: 'receive-help-desk-tickets',
      description: "The help desk's signed ticket webhook (Zendesk, Freshdesk or Standard Webhooks): each ticket kept once per customer, in the help desk's order.",
      entry: 'functions/receive-help-desk-tickets/handler.ts',
      trigger: { kind: 'http', routes: receiveHelpDeskTicketsRoutes, audience: 'public' },
      emits: [DetailType.TicketRecorded],
      timeoutSeconds: 10,
      memoryMb: 256,
      // The help desk's secret is sealed under the signing-key ring.
      access: ['bus:put', 'secret:signing-keys'],
      // A help desk batch of 100 tickets does not fit the API's default 16 KB.
      maxBodyBytes: 64 * 1024,
      // The customer's care record, tickets (LEAD#); the care settings and help desk (CARE, read only); a ticket's customer by address (EMAIL#, read only);
      // the lead a help desk's requester id is (REQUESTER#: Zendesk ticket events name the requester by id only). No delete.
      table: { read: ['LEAD#', 'EMAIL#', 'CARE', 'REQUESTER#'], write: ['LEAD#', 'REQUESTER#'] },
      // One help desk's deliveries, which it retries: fewer at once than the customers' own clicks.
      reservedConcurrency: 10,
    },
    {
      name: 'manage-care-settings',
      description: "After the sale, the settings: surveys, reasons, triggers and lifespan, the versioned churn-risk formula, the help desk's connection and its requesters.",
      entry: 'functions/manage-care-settings/handler.ts',
      trigger: { kind: 'http', routes: manageCareSettingsRoutes, audience: 'admin' },
      emits: [DetailType.CareTimersBackfillRequested],
      timeoutSeconds: 29,
      memoryMb: 256,
      maxBodyBytes: 64 * 1024,
      // Seals the help desk's secret under the signing-key ring.
      access: ['bus:put', 'secret:signing-keys'],
      // Settings, formula versions, lifespans, help desk (CARE); the subscription types a survey names (SUBSCRIPTION_TYPES); a requester's lead
      // by address or id (EMAIL#, LEAD#, read only) and the help desk's requester ids mapped to leads (REQUESTER#).
      table: { read: ['SUBSCRIPTION_TYPES', 'LEAD#', 'EMAIL#', 'CARE'], write: ['CARE', 'REQUESTER#'] },
    },
    {
      name: 'manage-customer-care',
      description: "After the sale: ticket intake, survey requests, churn with exit reasons, a customer's record with projected lifetime value, the care report and the reassessment timer backfill.",
      entry: 'functions/manage-customer-care/handler.ts',
      trigger: { kind: 'http', routes: manageCustomerCareRoutes, audience: 'admin' },
      emits: [DetailType.TicketRecorded, DetailType.SurveyDue, DetailType.LeadStageChanged, DetailType.ReassessmentDue, DetailType.CareTimersBackfillRequested],
      timeoutSeconds: 29,
      memoryMb: 256,
      maxBodyBytes: 64 * 1024,
      access: ['bus:put'],
      // Settings and lifespans (CARE); tickets, care record, stage and churn marker (LEAD#); a ticket's customer by address (EMAIL#);
      // the report reads the monthly care partitions (CARE#), stage transitions (TRANSITIONS#) and each lead's risk band (LEADS# shards);
      // the timer backfill walks the LEADS# shards for each lead's stage.
      table: { read: ['LEAD#', 'EMAIL#', 'CARE'], write: ['LEAD#', 'CARE'], query: { gsi1: ['CARE#', 'TRANSITIONS#', 'LEADS#'] } },
    },
    {
      name: 'watch-customers',
      description: 'After each ticket, purchase, answer or stage change, and daily: reassesses churn risk, alerts once per trigger episode, records answers.',
      entry: 'functions/watch-customers/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [DetailType.TicketRecorded, DetailType.PurchaseRecorded, DetailType.SurveyAnswered, DetailType.ReassessmentDue, DetailType.LeadStageChanged],
          // Stage changes only into customer or churned; the care events carry no `to`. The backfill's requests for a
          // customer's timers (`backfill`) are schedule-care-timers' alone: they reassess nothing.
          detail: { to: ['customer', 'churned', { exists: false }], backfill: [{ exists: false }] },
        },
        batchSize: 5,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        // Customer success should hear of an unhappy customer within minutes.
        oldestMessageAlarmMinutes: 15,
      },
      emits: [DetailType.CustomerAlerted, DetailType.EngagementRecorded],
      timeoutSeconds: 30,
      memoryMb: 256,
      // Alert email; the alert's webhook event and the answer's engagement event. Surveys and timers are send-surveys' and
      // schedule-care-timers': this function ships without the Scheduler's and Secrets Manager's clients.
      access: ['ses:send', 'bus:put'],
      // The care record, alert claims and the answer's engagement event (LEAD#; created with EMAIL# for an address without
      // a lead); visitor links (ANON#) as event intake reads them; care settings and formula (CARE); owners (ROUTING).
      // Deletes only alert claims given back after a failed email (LEAD#).
      table: { read: ['LEAD#', 'EMAIL#', 'ANON#', 'CARE', 'ROUTING'], write: ['LEAD#', 'EMAIL#'], delete: ['LEAD#'] },
    },
    {
      name: 'send-surveys',
      description: "Sends a customer survey when it is due, by request or by its recurring round's timer: once per request or round, to contacts opted in and not within the minimum gap; sets the next round's timer.",
      entry: 'functions/send-surveys/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.SurveyDue] },
        batchSize: 5,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 15,
      },
      // Through the next round's schedule, which puts the survey's event on the bus.
      emits: [DetailType.SurveyDue],
      timeoutSeconds: 30,
      memoryMb: 256,
      // Survey email, its signed answer links and unsubscribe link, the suppression check, the next round's timer.
      access: ['ses:send', 'scheduler:manage', 'secret:signing-keys', 'secret:privacy-salt', 'links:public'],
      // The survey's send claim and the care record's last survey (LEAD#); the surveys and their gap (CARE); suppression (SUPPRESSED#).
      // Deletes only send claims given back after a failed email (LEAD#).
      table: { read: ['LEAD#', 'CARE', 'SUPPRESSED#'], write: ['LEAD#'], delete: ['LEAD#'] },
    },
    {
      name: 'schedule-care-timers',
      description: "Keeps each customer's timers: starts the daily reassessment and the recurring surveys' first rounds when a lead becomes a customer, sets each reassessment a day on, and backfills the timers existing customers lack.",
      entry: 'functions/schedule-care-timers/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [DetailType.ReassessmentDue, DetailType.LeadStageChanged, DetailType.CareTimersBackfillRequested],
          // Stage changes only into customer; the care events carry no `to`.
          detail: { to: ['customer', { exists: false }] },
        },
        batchSize: 5,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
        oldestMessageAlarmMinutes: 15,
      },
      // Through its schedules (survey rounds, reassessments); the backfill asks for each customer's timers and hands its walk on.
      emits: [DetailType.SurveyDue, DetailType.ReassessmentDue, DetailType.CareTimersBackfillRequested],
      timeoutSeconds: 30,
      memoryMb: 256,
      // The customers' schedules are made here and by send-surveys (the next round) only.
      access: ['scheduler:manage', 'bus:put'],
      // The lead's stage and last surveys (LEAD#); the recurring surveys (CARE); the backfill walks the listing (LEADS# shards).
      table: { read: ['LEAD#', 'CARE'], query: { gsi1: ['LEADS#'] } },
    },
  ],
};
