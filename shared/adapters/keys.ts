/**
 * Key builders of the single table. Each entity owns its keys; nothing else spells a `pk`.
 *
 * | entity            | pk                 | sk                               | gsi1pk / gsi1sk                     |
 * | lead profile      | LEAD#<id>          | PROFILE                          |                                     |
 * | email -> lead     | EMAIL#<email>      | EMAIL                            |                                     |
 * | anonymous -> lead | ANON#<anonymousId> | LINK                             |                                     |
 * | engagement event  | EVENT#<eventId>    | EVENT                            | LEAD#<id> or ANON#<id> / <time>#<id> |
 * | consent record    | LEAD#<id>          | CONSENT#<time>#<type>#<source>   |                                     |
 * | MQL alert         | LEAD#<id>          | ALERT#<ruleset>#<qualification>  |                                     |
 */
export const keys = {
  lead: (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'PROFILE' }),
  email: (email: string) => ({ pk: `EMAIL#${email}`, sk: 'EMAIL' }),
  anonymousLink: (anonymousId: string) => ({ pk: `ANON#${anonymousId}`, sk: 'LINK' }),
  event: (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' }),
  eventSubject: (subject: Subject, occurredAt: string, eventId: string) => ({
    gsi1pk: subject.kind === 'lead' ? `LEAD#${subject.id}` : `ANON#${subject.id}`,
    gsi1sk: `${occurredAt}#${eventId}`,
  }),
  consent: (leadId: string, at: string, subscription: string, sourceId: string) => ({
    pk: `LEAD#${leadId}`,
    sk: `CONSENT#${at}#${subscription}#${sourceId}`,
  }),
  alert: (leadId: string, rulesetVersion: string, qualification: number) => ({
    pk: `LEAD#${leadId}`,
    sk: `ALERT#${rulesetVersion}#${qualification}`,
  }),
} as const;

/** Whose history an event belongs to: a known lead, or a visitor not yet identified. */
export type Subject = { readonly kind: 'lead' | 'anonymous'; readonly id: string };
