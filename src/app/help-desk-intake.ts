import type * as z from 'zod/mini';
import type { TicketIntake, TicketItem, TicketResult } from './ticket-intake';
import { helpDeskSignatureProblem, ticketFromZendesk, ZendeskTicketBody, type HelpDeskKind } from '../domain/care/help-desk';
import { openSecret, type SealedSecret } from '../domain/chat/sources';
import type { KeyRing } from '../domain/consent/signed-token';
import { InvalidInput, NotFound, Unauthenticated } from '../domain/errors';

/** What the sealed secret is bound to, so a chat source's secret can never open as the help desk's. */
export const HELP_DESK_SEAL_ID = 'help-desk';

export interface HelpDeskIntakeDependencies {
  readonly helpDesk: { helpDesk(): Promise<{ readonly kind: HelpDeskKind; readonly secret: SealedSecret } | undefined> };
  readonly keyRing: () => Promise<KeyRing>;
  readonly tickets: Pick<TicketIntake, 'recordAll'>;
  /** Parses a generic delivery's `{ tickets: [...] }` with the admin API's schema. */
  readonly genericBody: z.ZodMiniType<{ readonly tickets: readonly TicketItem[] }>;
}

const issuesOf = (error: z.core.$ZodError) => error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message }));

/**
 * The help desk's signed webhook: the signature over the raw bytes is checked first (401 naming the
 * header), then the body of its kind (400 naming the field), then its tickets are recorded like the
 * admin API's, each once and in the help desk's order.
 */
export class HelpDeskIntake {
  constructor(private readonly deps: HelpDeskIntakeDependencies) {}

  async take(headers: Readonly<Record<string, string | undefined>>, rawBody: string, correlationId: string, now: Date): Promise<TicketResult[]> {
    const helpDesk = await this.deps.helpDesk.helpDesk();
    if (!helpDesk) throw new NotFound('No help desk is connected: `PUT /v1/admin/care/help-desk` first');
    const secret = openSecret(await this.deps.keyRing(), HELP_DESK_SEAL_ID, helpDesk.secret);
    const problem = helpDeskSignatureProblem(helpDesk.kind, [secret], headers, rawBody, now.getTime());
    if (problem) throw new Unauthenticated(`${problem.field} ${problem.message}`, [problem]);
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch {
      throw InvalidInput.field('body', 'must be JSON');
    }
    const items = helpDesk.kind === 'zendesk' ? this.zendesk(payload) : this.generic(payload);
    return this.deps.tickets.recordAll(items, correlationId, now.toISOString());
  }

  private zendesk(payload: unknown): TicketItem[] {
    const parsed = ZendeskTicketBody.safeParse(payload);
    if (!parsed.success) throw new InvalidInput('Invalid Zendesk ticket body', issuesOf(parsed.error));
    return [ticketFromZendesk(parsed.data)];
  }

  private generic(payload: unknown): TicketItem[] {
    const parsed = this.deps.genericBody.safeParse(payload);
    if (!parsed.success) throw new InvalidInput('Invalid ticket batch', issuesOf(parsed.error));
    return [...parsed.data.tickets];
  }
}
