import { createHash } from 'node:crypto';
/**
 * Key builders of the single table. Each entity owns its keys; nothing else spells a `pk`. Imported as
 * a namespace (`import * as keys`): a function's bundle then keeps only the builders it calls.
 *
 * | entity            | pk                 | sk                               | gsi1pk / gsi1sk                     |
 * | lead profile      | LEAD#<id>          | PROFILE                          |                                     |
 * | lead score        | LEAD#<id>          | SCORE                            |                                     |
 * | email -> lead     | EMAIL#<email>      | EMAIL                            |                                     |
 * | anonymous -> lead | ANON#<anonymousId> | LINK                             |                                     |
 * | engagement event  | LEAD#<id> or ANON#<anonymousId> | EVENT#<recorded at>#<eventId> |                       |
 * | events of a request | LEAD#<id> or ANON#<anonymousId> | EVENT#<recorded at>#<first eventId by id> |   |
 * | consent record    | LEAD#<id>          | CONSENT#<time>#<type>#<source>   | CONSENTS#<type>#<first hex digit of id> / <time>#<id> |
 * | form submission   | LEAD#<id>          | SUBMISSION#<eventId>             |                                     |
 * | MQL alert         | LEAD#<id>          | ALERT#<ruleset>#<qualification>  |                                     |
 * | lead (listing)    | LEAD#<id>          | PROFILE                          | LEADS#<shard> / <id>                |
 * | ruleset           | RULESET#<version>  | RULESET                          | RULESETS / <createdAt>#<version>    |
 * | active ruleset    | RULESET            | ACTIVE                           |                                     |
 * | rescoring job     | RESCORE#<jobId>    | JOB                              |                                     |
 * | lead rescored     | RESCORE#<jobId>    | LEAD#<id> (LEAD#GONE-<SHA-256 of the id> if erased meanwhile) |        |
 * | rescoring page    | RESCORE#<jobId>    | PAGE#<page id>                   |                                     |
 * | kept page listed  | KEPT_PAGES         | <page pk> <page sk>              |                                     |
 * | suppression       | SUPPRESSED#<hash>  | SUPPRESSION                      | SUPPRESSIONS / <at>#<hash>          |
 * | soft bounces      | SUPPRESSED#<hash>  | SOFT_BOUNCES                     |                                     |
 * | suppression lifted| SUPPRESSED#<hash>  | LIFTED#<at>                      |                                     |
 * | campaign          | CAMPAIGN#<id>      | CAMPAIGN                         | CAMPAIGNS / <createdAt>#<id>        |
 * | campaign send     | CAMPAIGN#<id>#SEND#<leadId> | SEND                    |                                     |
 * | campaign id       | CAMPAIGN_IDS       | <campaignId>                     |                                     |
 * | skip of a lead gone | CAMPAIGN#<id>#SEND#GONE-<SHA-256 of the lead id> | SEND  |                                     |
 * | segment           | SEGMENT#<id>       | SEGMENT                          | SEGMENTS / <createdAt>#<id>         |
 * | send rate window  | SEND_RATE          | <epoch second>                   |                                     |
 * | template (head)   | TEMPLATE#<id>      | TEMPLATE                         | TEMPLATES / <updatedAt>#<id>        |
 * | template version  | TEMPLATE#<id>      | VERSION#<version, 6 digits>      |                                     |
 * | purchase          | ORDER#<orderId>    | PURCHASE                         | PURCHASES#<leadId> / <time>#<orderId> |
 * | lead assignment   | LEAD#<id>          | ASSIGNMENT#<ruleset>#<qualification> | TEAMINBOX#<teamId> / <at>#<leadId> while unassigned |
 * | routing config    | ROUTING            | CONFIG                           |                                     |
 * | team round-robin  | ROUTING#TEAM#<id>  | ROUND_ROBIN                      |                                     |
 * | rep open MQLs     | ROUTING#REP#<id>   | LOAD                             |                                     |
 * | follow-up step    | LEAD#<id>          | FOLLOWUP#<ruleset>#<qualification>#<round>#<remind or reassign> |     |
 * | webhook endpoint  | WEBHOOK#<id>       | ENDPOINT                         | WEBHOOKS / <createdAt>#<id>         |
 * | webhook delivery  | WEBHOOK#<id>       | DELIVERY#<event id>              |                                     |
 * | stage transition  | LEAD#<id>          | STAGE#<time>#<lead version>      | TRANSITIONS#<yyyy-mm> / <time>#<id> |
 * | applied once      | LEAD#<id>          | APPLIED#<qualification or CRM update key> |                            |
 * | sales reasons     | SETTINGS           | SALES_REASONS                    |                                     |
 * | send policy       | SETTINGS           | SEND_POLICY                      |                                     |
 * | subscription types| SUBSCRIPTION_TYPES | CATALOGUE                        |                                     |
 * | marketing sends   | LEAD#<id>          | SEND_LEDGER                      |                                     |
 * | segment membership| LEAD#<id>          | SEGMENT#<segmentId>              | MEMBERS#<segmentId>#<first hex digit of id> / <leadId> while a member |
 * | segment check     | LEAD#<id>          | SEGMENT#~check                   | JDUE#<shard> / <checkAt>#<leadId>#segments while a flip can come |
 * | confirmation sent | LEAD#<id>          | CONFIRMATION#<subscription type> |                                     |
 * | confirmation quota| LEAD#<id>          | CONFIRMATION_QUOTA#<slot>        |                                     |
 * | form (head)       | FORM#<formId>      | FORM                             | FORMS / <updatedAt>#<formId>        |
 * | form version      | FORM#<formId>      | VERSION#<version, 6 digits>      |                                     |
 * | campaign plan     | CAMPAIGN#<id>      | PLAN                             |                                     |
 * | plan page         | CAMPAIGN#<id>      | PAGE#<page id>                   |                                     |
 * | campaign counter  | CAMPAIGN#<id>#COUNTER#<shard> | COUNTER               |                                     |
 * | campaign send (before the campaign ids)      | CAMPAIGN#<id>#SEND#<leadId> | SEND | SENDS#<leadId> / <campaignId> |
 * | campaign send (before counters were sharded) | CAMPAIGN#<id> | SEND#<leadId> | SENDS#<leadId> / <campaignId>      |
 * | chat source       | CHAT#<sourceId>    | SOURCE                           | CHATSOURCES / <createdAt>#<id>      |
 * | chat delivery     | CHAT_DELIVERY#<sourceId>#<hash of delivery key> | DELIVERY |                               |
 * | tracking source   | SOURCE#<id>        | SOURCE                           | SOURCES / <createdAt>#<id>          |
 * | write key         | WRITEKEY#<key>     | WRITEKEY                         |                                     |
 * | event (before the layout migration) | EVENT#<eventId> | EVENT           | LEAD#<id> or ANON#<id> / <time>#<id> |
 * | journey (head)    | JOURNEY#<id>       | JOURNEY                          | JOURNEYS / <createdAt>#<id>         |
 * | journey version   | JOURNEY#<id>       | VERSION#<version, 6 digits>      |                                     |
 * | journey counters  | JOURNEY#<id>       | STATS#<shard>                    |                                     |
 * | move of all leads | JOURNEY#<id>       | MOVEALL                          |                                     |
 * | enrolment         | LEAD#<id>          | JOURNEY#<journeyId>              | JDUE#<shard> / <wakeAt>#<leadId>#<journeyId> while waiting or active |
 * | journey step claim| LEAD#<id>          | JSTEP#<journeyId>#<run>#<seq>    |                                     |
 * | date entry due    | LEAD#<id>          | JDATE#<journeyId>                | JDUE#<shard> / <dateEntryAt>#<leadId>#<journeyId>#date until requested |
 * | due shard's sweep | JDUE#<shard>       | SWEEP                            |                                     |
 * | date entry round  | JDUE#DATES         | ROUND                            |                                     |
 * | sales task        | LEAD#<id>          | TASK#<origin key>                |                                     |
 * | support ticket    | LEAD#<id>          | TICKET#<ticketId>                | CARE#TICKETS#<yyyy-mm opened> / <opened>#<id>#<ticketId> |
 * | survey send       | LEAD#<id>          | SURVEY#<sendId>                  | CARE#ANSWERS#<yyyy-mm answered> / <answered>#<id> (once answered) |
 * | customer alert    | LEAD#<id>          | CARE_ALERT#<trigger>#<episode start> |                                 |
 * | care settings     | CARE               | SETTINGS                         |                                     |
 * | risk formula      | CARE               | RISK_FORMULA (latest) / RISK_FORMULA#<version, 6 digits> |             |
 * | churned lifespans | CARE               | LIFESPANS                        |                                     |
 * | help-desk intake  | CARE               | HELPDESK                         |                                     |
 * | help-desk requester | REQUESTER#<kind>#<requester id> | REQUESTER             | REQUESTERS#<leadId> / <kind>#<requester id> |
 * | console user (local mode) | USERS      | USER#<user name>                 |                                     |
 * | lead score (band) | LEAD#<id>          | SCORE                            | bands: B#<first hex digit of id> / <band, 4 base-36 digits> once scored |
 * | score bands filled| SETTINGS           | SCORE_BANDS                      |                                     |
 * | consents indexed  | SETTINGS           | CONSENT_INDEX                    |                                     |
 */
/**
 * A lead that is gone (erased after work naming it was queued), as the records that work still writes
 * name it: a random id's SHA-256 says nothing of the id to whoever does not hold it.
 */
export const goneLeadId = (leadId: string) => `GONE-${createHash('sha256').update(leadId).digest('hex')}`;

const EVENT_PREFIX = 'EVENT#';
/** A subject's partition: a lead's, or an anonymous visitor's. */
export const subjectPartition = (subject: Subject) => (subject.kind === 'lead' ? `LEAD#${subject.id}` : `ANON#${subject.id}`);

export const lead = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'PROFILE' });
export const email = (email: string) => ({ pk: `EMAIL#${email}`, sk: 'EMAIL' });
export const anonymousLink = (anonymousId: string) => ({ pk: `ANON#${anonymousId}`, sk: 'LINK' });
/**
 * The score is an item of its own, so the scorer rewrites about 1 KB, not the profile. Its sort key
 * sorts right after the profile and every event: one query, newest first, reads the score, the
 * profile and the events recorded since the score's watermark.
 */
export const score = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'SCORE' });
/**
 * An event lives in its subject's partition (a lead's, or a visitor's until they identify), sorted by
 * when it was recorded there: a subject's history is one query, and the scorer reads what arrived
 * since its watermark. Written once, with no index entries. Events recorded together share one item,
 * keyed as the first of them by id (lead-items.ts, `putEvents`).
 */
export const event = (subject: Subject, recordedAt: string, eventId: string) => ({ pk: subjectPartition(subject), sk: `${EVENT_PREFIX}${recordedAt}#${eventId}` });
/** The sort key from which a subject's events recorded at or after `recordedAt` are found. */
export const eventsFrom = (recordedAt: string) => `${EVENT_PREFIX}${recordedAt}`;
export const eventPrefix = EVENT_PREFIX;
/** Where events were kept before they moved into their subject's partition: only the layout migration reads it. */
export const legacyEvent = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' });
/** The gsi1 partition that listed a subject's events before the layout migration. */
export const legacyEventsOfSubject = (subject: Subject) => subjectPartition(subject);
/** Sorts after every event key (`~` follows the digits of a time). */
export const eventsEnd = `${EVENT_PREFIX}~` as const;
export const consent = (leadId: string, at: string, subscription: string, sourceId: string) => ({
  pk: `LEAD#${leadId}`,
  sk: `CONSENT#${at}#${subscription}#${sourceId}`,
});
/**
 * A consent record's entry in the index, by type, in 16 partitions (by the first hex digit of the lead
 * id) so a burst of sign-ups to one type runs no partition hot: whether any record names a type is
 * one query of at most one item per partition, which is what deleting a type checks.
 */
export const consentOfType = (subscription: string, leadId: string, at: string) => ({ gsi1pk: `CONSENTS#${subscription}#${leadId.charAt(0)}`, gsi1sk: `${at}#${leadId}` });
/** The 16 index partitions of `consentOfType` for one type. */
export const consentsOfTypePartitions = (subscription: string): string[] => [...'0123456789abcdef'].map((digit) => `CONSENTS#${subscription}#${digit}`);
/** The sort keys of a lead's consent records begin with this. */
export const consentPrefix = 'CONSENT#';
/**
 * Written when a backfill has given every consent record saved before the index by type its entry:
 * from then on the index alone says whether any record names a type, whenever the type was saved.
 */
export const consentIndexFilled = () => ({ pk: 'SETTINGS', sk: 'CONSENT_INDEX' });
/** A form submission, once per idempotency key: what tells a retried submission from a new one. */
export const submission = (leadId: string, eventId: string) => ({ pk: `LEAD#${leadId}`, sk: `SUBMISSION#${eventId}` });
export const alert = (leadId: string, rulesetVersion: string, qualification: number) => ({
  pk: `LEAD#${leadId}`,
  sk: `ALERT#${rulesetVersion}#${qualification}`,
});
/**
 * The score item's entry in the index `bands` (keys only): the band of the most the lead's score can read until
 * its next write, in 16 partitions by the first hex digit of the id. Written with every score, it
 * costs index writes only when the band changes (DynamoDB writes an index only when its attributes
 * do). Short, as the scorer rewrites the item after every request; the entry carries the lead's key.
 */
export const scoreBand = (leadId: string, bandKey: string) => ({ bp: `B#${leadId.charAt(0)}`, bs: bandKey });
export const scoreBandsPartition = (shard: string) => `B#${shard}`;
/** Written when a backfill has given every scored lead its band: the sorted list is exact from then on. */
export const scoreBandsFilled = () => ({ pk: 'SETTINGS', sk: 'SCORE_BANDS' });
/** The hourly round that lowers stale score bands: where it stands, and where a round cut short goes on. */
export const scoreBandRound = () => ({ pk: 'SETTINGS', sk: 'SCORE_BANDS_ROUND' });
/** Leads are listed through 16 index partitions (by the first hex digit of the id) so no partition runs hot. */
export const leadListing = (leadId: string) => ({ gsi1pk: `LEADS#${leadId.charAt(0)}`, gsi1sk: leadId });
export const ruleset = (version: string) => ({ pk: `RULESET#${version}`, sk: 'RULESET' });
export const rulesetListing = (createdAt: string, version: string) => ({ gsi1pk: 'RULESETS', gsi1sk: `${createdAt}#${version}` });
export const activeRuleset = () => ({ pk: 'RULESET', sk: 'ACTIVE' });
export const rescoreJob = (jobId: string) => ({ pk: `RESCORE#${jobId}`, sk: 'JOB' });
export const leadRescored = (jobId: string, leadId: string) => ({ pk: `RESCORE#${jobId}`, sk: `LEAD#${leadId}` });
/** A page of a rescoring as first chosen (its leads until published), so that a retry publishes the same page. */
export const rescorePage = (jobId: string, pageId: string) => ({ pk: `RESCORE#${jobId}`, sk: `PAGE#${pageId}` });
export const suppression = (hash: string) => ({ pk: `SUPPRESSED#${hash}`, sk: 'SUPPRESSION' });
export const suppressionListing = (at: string, hash: string) => ({ gsi1pk: 'SUPPRESSIONS', gsi1sk: `${at}#${hash}` });
export const softBounces = (hash: string) => ({ pk: `SUPPRESSED#${hash}`, sk: 'SOFT_BOUNCES' });
export const suppressionLifted = (hash: string, at: string) => ({ pk: `SUPPRESSED#${hash}`, sk: `LIFTED#${at}` });
export const campaign = (campaignId: string) => ({ pk: `CAMPAIGN#${campaignId}`, sk: 'CAMPAIGN' });
export const campaignListing = (createdAt: string, campaignId: string) => ({ gsi1pk: 'CAMPAIGNS', gsi1sk: `${createdAt}#${campaignId}` });
/**
 * Each send record is its own partition, so a campaign's sends spread over the table's partitions
 * instead of queueing on one partition key's write limit (1,000 units a second).
 */
export const campaignSend = (campaignId: string, leadId: string) => ({ pk: `CAMPAIGN#${campaignId}#SEND#${leadId}`, sk: 'SEND' });
/**
 * A campaign created in the current layout, listed by id in one partition written once a campaign:
 * its send records carry no index entry, so data rights read these ids to find a lead's sends by key.
 */
export const campaignIdEntry = (campaignId: string) => ({ pk: 'CAMPAIGN_IDS', sk: campaignId });
export const campaignIdsPartition = 'CAMPAIGN_IDS';
/** Where campaigns created before the counters were sharded keep their send records, under the campaign's partition. */
export const legacyCampaignSend = (campaignId: string, leadId: string) => ({ pk: `CAMPAIGN#${campaignId}`, sk: `SEND#${leadId}` });
/** Planned pages and recipients, apart from the campaign so planning never rewrites its template. */
export const campaignPlan = (campaignId: string) => ({ pk: `CAMPAIGN#${campaignId}`, sk: 'PLAN' });
/** A page of a campaign's plan as first chosen (its recipients until published), so that a retry publishes the same page. */
export const campaignPlanPage = (campaignId: string, pageId: string) => ({ pk: `CAMPAIGN#${campaignId}`, sk: `PAGE#${pageId}` });
/** The pages kept and not yet finished (a campaign's plan, a rescoring), listed where an erasure finds those that may hold a lead's id. */
export const keptPagesPartition = 'KEPT_PAGES';
export const keptPageListing = (page: { readonly pk: string; readonly sk: string }) => ({ pk: keptPagesPartition, sk: `${page.pk} ${page.sk}` });
/**
 * One of a campaign's counter shards: each outcome is counted in a shard picked at random, each
 * shard its own partition, and the campaign's totals are their sum.
 */
export const campaignCounter = (campaignId: string, shard: number) => ({ pk: `CAMPAIGN#${campaignId}#COUNTER#${String(shard).padStart(2, '0')}`, sk: 'COUNTER' });
export const segment = (segmentId: string) => ({ pk: `SEGMENT#${segmentId}`, sk: 'SEGMENT' });
/**
 * Whether a lead is in a tracked segment, under the lead (one query reads all its memberships;
 * erasure deletes them), sorted after the score, outside the range the scorer reads.
 */
export const segmentMembership = (leadId: string, segmentId: string) => ({ pk: `LEAD#${leadId}`, sk: `SEGMENT#${segmentId}` });
export const segmentMembershipPrefix = 'SEGMENT#' as const;
/**
 * A member of a tracked segment is listed in 16 index partitions per segment (by the first hex digit
 * of its id, as the lead listing is), so the lead list pages through a segment's members alone. The
 * entry is written with a membership change, never per event.
 */
export const segmentMember = (segmentId: string, leadId: string) => ({ gsi1pk: `MEMBERS#${segmentId}#${leadId.charAt(0)}`, gsi1sk: leadId });
export const segmentMembersPartition = (segmentId: string, shard: string) => `MEMBERS#${segmentId}#${shard}`;
export const segmentListing = (createdAt: string, segmentId: string) => ({ gsi1pk: 'SEGMENTS', gsi1sk: `${createdAt}#${segmentId}` });
/** One item per second of sending: every sender counts its SES calls in the same one. */
export const sendRateWindow = (epochSecond: number) => ({ pk: 'SEND_RATE', sk: String(epochSecond) });
/**
 * Send records of campaigns created before the campaign ids (keys.campaignIdEntry) are listed per
 * lead, so erasing a lead finds every send to it; those campaigns keep listing theirs.
 */
export const sendsOfLead = (leadId: string, campaignId: string) => ({ gsi1pk: `SENDS#${leadId}`, gsi1sk: campaignId });
/** The head holds the name and the latest version number; a new version checks and moves it. */
export const template = (templateId: string) => ({ pk: `TEMPLATE#${templateId}`, sk: 'TEMPLATE' });
export const templateListing = (updatedAt: string, templateId: string) => ({ gsi1pk: 'TEMPLATES', gsi1sk: `${updatedAt}#${templateId}` });
/** Zero-padded so versions sort by number under the template's partition. */
export const templateVersion = (templateId: string, version: number) => ({ pk: `TEMPLATE#${templateId}`, sk: `VERSION#${String(version).padStart(6, '0')}` });
export const templateVersionPrefix = 'VERSION#' as const;
/** A purchase is keyed by its order id alone, so an order is recorded once whichever lead it names. */
export const purchase = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'PURCHASE' });
/** Purchases are listed per lead, oldest first, for the lead's export and erasure. */
export const purchasesOfLead = (leadId: string, purchasedAt: string, orderId: string) => ({ gsi1pk: `PURCHASES#${leadId}`, gsi1sk: `${purchasedAt}#${orderId}` });
/** One per qualification, whatever the outcome, so a redelivered qualification is assigned once. */
export const assignment = (leadId: string, rulesetVersion: string, qualification: number) => ({
  pk: `LEAD#${leadId}`,
  sk: `ASSIGNMENT#${rulesetVersion}#${qualification}`,
});
/**
 * A qualification no rep could take waits in its team's inbox (oldest first) until a rep of the team
 * claims it; the entry is written once with the decision and removed by the claim, never per event.
 */
export const teamInbox = (teamId: string, at: string, leadId: string) => ({ gsi1pk: `TEAMINBOX#${teamId}`, gsi1sk: `${at}#${leadId}` });
export const teamInboxPartition = (teamId: string) => `TEAMINBOX#${teamId}`;
export const routingConfig = () => ({ pk: 'ROUTING', sk: 'CONFIG' });
/** A console user of the development sign-in, in one partition: few people, listed by one query. */
export const developmentUser = (user: string) => ({ pk: 'USERS', sk: `USER#${user}` });
/** How many leads a team has handed out: the round-robin position, moved with a conditional write. */
export const teamRoundRobin = (teamId: string) => ({ pk: `ROUTING#TEAM#${teamId}`, sk: 'ROUND_ROBIN' });
export const repLoad = (repId: string) => ({ pk: `ROUTING#REP#${repId}`, sk: 'LOAD' });
/** Marks a follow-up step done once per qualification and owner round; a reassignment's marker is its audit record. */
export const followUp = (leadId: string, rulesetVersion: string, qualification: number, round: number, kind: string) => ({
  pk: `LEAD#${leadId}`,
  sk: `FOLLOWUP#${rulesetVersion}#${qualification}#${round}#${kind}`,
});
export const source = (sourceId: string) => ({ pk: `SOURCE#${sourceId}`, sk: 'SOURCE' });
export const sourceListing = (createdAt: string, sourceId: string) => ({ gsi1pk: 'SOURCES', gsi1sk: `${createdAt}#${sourceId}` });
/** A write key's own item: the collector finds its source with one read of the exact key. */
export const writeKey = (writeKey: string) => ({ pk: `WRITEKEY#${writeKey}`, sk: 'WRITEKEY' });
export const webhook = (webhookId: string) => ({ pk: `WEBHOOK#${webhookId}`, sk: 'ENDPOINT' });
export const webhookListing = (createdAt: string, webhookId: string) => ({ gsi1pk: 'WEBHOOKS', gsi1sk: `${createdAt}#${webhookId}` });
/** Keyed by the event's id (a hash of its domain key, never a lead id), so erasure leaves nothing here. */
export const webhookDelivery = (webhookId: string, eventId: string) => ({ pk: `WEBHOOK#${webhookId}`, sk: `DELIVERY#${eventId}` });
/**
 * Stage transitions are append-only under their lead (so export and erasure find them) and listed
 * per month for the handoff reports. The lead's version makes two changes in one millisecond distinct.
 */
export const stageTransition = (leadId: string, at: string, leadVersion: number) => ({ pk: `LEAD#${leadId}`, sk: `STAGE#${at}#${String(leadVersion).padStart(8, '0')}` });
export const stageTransitionPrefix = 'STAGE#' as const;
export const transitionMonth = (at: string, leadId: string) => ({ gsi1pk: `TRANSITIONS#${at.slice(0, 7)}`, gsi1sk: `${at}#${leadId}` });
/** Marks a lead change keyed by its origin (a qualification, a CRM update id) as done, so a repeat changes nothing. */
export const appliedOnce = (leadId: string, key: string) => ({ pk: `LEAD#${leadId}`, sk: `APPLIED#${key}` });
export const salesReasons = () => ({ pk: 'SETTINGS', sk: 'SALES_REASONS' });
/** The send-time policy every marketing email goes through (frequency cap, quiet hours). */
export const sendPolicy = () => ({ pk: 'SETTINGS', sk: 'SEND_POLICY' });
/**
 * The subscription types, in a partition of its own (not SETTINGS, which only admin functions reach):
 * the public preference centre and form capture read it.
 */
export const subscriptionTypes = () => ({ pk: 'SUBSCRIPTION_TYPES', sk: 'CATALOGUE' });
/**
 * A lead's recent marketing sends, counted against the frequency cap; under the lead, so erasure
 * deletes it, and sorted after the score, outside the range the scorer reads on every event.
 */
export const marketingSends = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'SEND_LEDGER' });
/**
 * A double opt-in email of one subscription type, held for its window (then removed by TTL). Under
 * the lead's partition, so erasure deletes it with the lead.
 */
export const confirmationSent = (leadId: string, subscription: string) => ({ pk: `LEAD#${leadId}`, sk: `CONFIRMATION#${subscription}` });
/** One of the few confirmation emails an address may get per window, whatever their types. */
export const confirmationQuota = (leadId: string, slot: number) => ({ pk: `LEAD#${leadId}`, sk: `CONFIRMATION_QUOTA#${slot}` });
/** The head holds the latest definition whole, so a submission reads its form in one request. */
export const form = (formId: string) => ({ pk: `FORM#${formId}`, sk: 'FORM' });
export const formListing = (updatedAt: string, formId: string) => ({ gsi1pk: 'FORMS', gsi1sk: `${updatedAt}#${formId}` });
export const formVersion = (formId: string, version: number) => ({ pk: `FORM#${formId}`, sk: `VERSION#${String(version).padStart(6, '0')}` });
export const chatSource = (sourceId: string) => ({ pk: `CHAT#${sourceId}`, sk: 'SOURCE' });
export const chatSourceListing = (createdAt: string, sourceId: string) => ({ gsi1pk: 'CHATSOURCES', gsi1sk: `${createdAt}#${sourceId}` });
/**
 * A chat delivery taken (or being taken), kept for its source's replay window. A partition of its own,
 * so the public function that writes it reaches no source settings, and busy sources spread out.
 */
export const chatDelivery = (sourceId: string, deliveryHash: string) => ({ pk: `CHAT_DELIVERY#${sourceId}#${deliveryHash}`, sk: 'DELIVERY' });
export const journey = (journeyId: string) => ({ pk: `JOURNEY#${journeyId}`, sk: 'JOURNEY' });
export const journeyListing = (createdAt: string, journeyId: string) => ({ gsi1pk: 'JOURNEYS', gsi1sk: `${createdAt}#${journeyId}` });
export const journeyVersion = (journeyId: string, version: number) => ({ pk: `JOURNEY#${journeyId}`, sk: `VERSION#${String(version).padStart(6, '0')}` });
/** A journey's report counters, in shards: every enrolment step bumps one, more than one item can take at a peak. */
export const journeyCounters = (journeyId: string, shard: number) => ({ pk: `JOURNEY#${journeyId}`, sk: `STATS#${String(shard).padStart(2, '0')}` });
export const journeyCountersPrefix = 'STATS#' as const;
/** The move of every enrolled lead to a version: its phase, cursor and counts. */
export const journeyMoveAll = (journeyId: string) => ({ pk: `JOURNEY#${journeyId}`, sk: 'MOVEALL' });
/** A lead's latest run through a journey, under the lead so export and erasure find it. */
export const enrolment = (leadId: string, journeyId: string) => ({ pk: `LEAD#${leadId}`, sk: `JOURNEY#${journeyId}` });
export const enrolmentPrefix = 'JOURNEY#' as const;
/** A waiting enrolment in the due-time index, swept every minute: sparse, so only waits with a timer are in it. */
export const enrolmentDue = (shard: number, wakeAt: string, leadId: string, journeyId: string) => ({ gsi1pk: `JDUE#${String(shard).padStart(2, '0')}`, gsi1sk: `${wakeAt}#${leadId}#${journeyId}` });
/**
 * The next instant a lead's tracked segment memberships may flip with time alone, beside its
 * memberships (read with them in one query), in the due-time index while there is one.
 */
export const segmentCheck = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'SEGMENT#~check' });
export const segmentCheckDue = (shard: number, checkAt: string, leadId: string) => ({ gsi1pk: `JDUE#${String(shard).padStart(2, '0')}`, gsi1sk: `${checkAt}#${leadId}#segments` });
/** A lead's upcoming entry into a date-entry journey, in the due-time index until its enrolment is requested. */
export const dateEntry = (leadId: string, journeyId: string) => ({ pk: `LEAD#${leadId}`, sk: `JDATE#${journeyId}` });
export const dateEntryPrefix = 'JDATE#' as const;
export const dateEntryDue = (shard: number, dateEntryAt: string, leadId: string, journeyId: string) => ({ gsi1pk: `JDUE#${String(shard).padStart(2, '0')}`, gsi1sk: `${dateEntryAt}#${leadId}#${journeyId}#date` });
export const dueShard = (shard: number) => `JDUE#${String(shard).padStart(2, '0')}`;
/** The lease of one shard's sweep: who drains the shard now. */
export const dueShardSweep = (shard: number) => ({ pk: `JDUE#${String(shard).padStart(2, '0')}`, sk: 'SWEEP' });
/** Where the hourly round of journey date entries over every lead stands. */
export const journeyDateRound = { pk: 'JDUE#DATES', sk: 'ROUND' } as const;
/** The claim of one step of one run of an enrolment: taken before its effect, so it happens once. */
export const journeyStep = (leadId: string, journeyId: string, run: number, seq: number) => ({ pk: `LEAD#${leadId}`, sk: `JSTEP#${journeyId}#${run}#${String(seq).padStart(4, '0')}` });
/** A follow-up task for sales, keyed by the step run that filed it so a repeat files none. */
export const salesTask = (leadId: string, originKey: string) => ({ pk: `LEAD#${leadId}`, sk: `TASK#${originKey}` });
/**
 * A customer's ticket, its newest version, under the lead (export and erasure find it), listed per
 * month opened for the reports. A help desk's ticket id is unique within it, so the lead plus the id
 * names one ticket.
 */
export const ticket = (leadId: string, ticketId: string) => ({ pk: `LEAD#${leadId}`, sk: `TICKET#${ticketId}` });
export const ticketMonth = (openedAt: string, leadId: string, ticketId: string) => ({ gsi1pk: `CARE#TICKETS#${openedAt.slice(0, 7)}`, gsi1sk: `${openedAt}#${leadId}#${ticketId}` });
export const ticketMonthPartition = (month: string) => `CARE#TICKETS#${month}`;
/** One survey email to a customer, claimed before sending, holding the answer its links recorded. */
export const surveySend = (leadId: string, sendId: string) => ({ pk: `LEAD#${leadId}`, sk: `SURVEY#${sendId}` });
export const answerMonth = (answeredAt: string, leadId: string) => ({ gsi1pk: `CARE#ANSWERS#${answeredAt.slice(0, 7)}`, gsi1sk: `${answeredAt}#${leadId}` });
export const answerMonthPartition = (month: string) => `CARE#ANSWERS#${month}`;
/** One alert per customer, trigger and episode. */
export const customerAlert = (leadId: string, triggerId: string, episodeStartedAt: string) => ({ pk: `LEAD#${leadId}`, sk: `CARE_ALERT#${triggerId}#${episodeStartedAt}` });
/**
 * The after-sale configuration in a partition of its own (not SETTINGS, which only admin functions
 * reach): the public survey and help-desk routes read it.
 */
export const careSettings = () => ({ pk: 'CARE', sk: 'SETTINGS' });
/** The latest risk formula (the one in force), beside every version kept. */
export const riskFormula = () => ({ pk: 'CARE', sk: 'RISK_FORMULA' });
export const riskFormulaVersion = (version: number) => ({ pk: 'CARE', sk: `RISK_FORMULA#${String(version).padStart(6, '0')}` });
export const lifespans = () => ({ pk: 'CARE', sk: 'LIFESPANS' });
export const helpDesk = () => ({ pk: 'CARE', sk: 'HELPDESK' });
/**
 * A help desk's requester (its own user id) and the lead it is, in a partition of its own so the
 * public help-desk route can record one without write access to the care settings.
 */
export const helpDeskRequester = (kind: string, requesterId: string) => ({ pk: `REQUESTER#${kind}#${requesterId}`, sk: 'REQUESTER' });
/** A requester is listed under the lead it is known as, so erasing the lead finds it (one that moved to another lead moved its listing). */
export const requestersOfLead = (leadId: string, kind: string, requesterId: string) => ({ gsi1pk: `REQUESTERS#${leadId}`, gsi1sk: `${kind}#${requesterId}` });

/** Whose history an event belongs to: a known lead, or a visitor not yet identified. */
export type Subject = { readonly kind: 'lead' | 'anonymous'; readonly id: string };
