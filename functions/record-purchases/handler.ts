import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { isThrottling } from '../../src/adapters/throttling';
import { EmailIndex } from '../../src/adapters/email-index';
import { LeadStore } from '../../src/adapters/lead-store';
import { PurchaseStore } from '../../src/adapters/purchase-store';
import type { PurchaseInput, PurchasesRecorded } from './schemas';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from '../../src/app/optimistic-retry';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { LeadBusy } from '../../src/domain/errors';
import { addPurchase, currencyFits, type Purchase } from '../../src/domain/purchases';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { recordPurchasesRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const emailIndex = new EmailIndex(documentClient(), config.TABLE_NAME);
const purchases = new PurchaseStore(documentClient(), config.TABLE_NAME);

type PurchaseResult = PurchasesRecorded['purchases'][number];

/** Leads whose purchases are recorded at the same time; one lead's purchases go one after another. */
const CONCURRENT_LEADS = 8;

async function recordPurchase(input: PurchaseInput, leadId: string | undefined, now: string): Promise<PurchaseResult> {
  const { email: _email, leadId: _leadId, ...fields } = input;
  const purchase: Purchase = fields;
  const { orderId } = purchase;
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
    if (attempt > 0) await pauseBeforeRetry(attempt);
    const lead = leadId ? await leads.getLead(leadId) : undefined;
    if (!lead) return { orderId, status: 'unknown_lead', message: `No lead with id ${leadId ?? ''}` };
    if (!currencyFits(lead.purchases, purchase.currency)) {
      // An order recorded before (for any lead) stays a duplicate, whatever currency the repeat names.
      if (await purchases.get(orderId)) return { orderId, status: 'duplicate' };
      return { orderId, status: 'currency_mismatch', leadId: lead.id, message: `The lead's purchases are in ${lead.purchases?.currency ?? ''}; leadflow converts no currencies` };
    }
    const outcome = await purchases.record(lead, purchase, addPurchase(lead.purchases, purchase), now);
    if (outcome === 'recorded') return { orderId, status: 'recorded', leadId: lead.id };
    if (outcome === 'duplicate') return { orderId, status: 'duplicate' };
  }
  throw new LeadBusy(leadId ?? '', OPTIMISTIC_ATTEMPTS);
}

/** Runs tasks with at most `limit` at a time; collects failures instead of abandoning the others. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<unknown[]> {
  const queue = [...tasks];
  const failures: unknown[] = [];
  const worker = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      try {
        await task();
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
  return failures;
}

/**
 * Records each item in its own transaction. Addresses are resolved to leads first, so items naming
 * the same lead (by email or by id) run in the order sent: the first purchase recorded sets the
 * lead's currency. An order id repeated in the batch is a duplicate after its first place.
 */
async function recordAll(items: readonly PurchaseInput[], now: string) {
  const results: (PurchaseResult | undefined)[] = items.map(() => undefined);
  // An address nobody has submitted yet becomes a lead with only that address, as a CRM import expects.
  const leadOfEmail = new Map<string, string>();
  const emails = [...new Set(items.flatMap((item) => (item.email ? [item.email] : [])))];
  const resolving = await inParallel(emails.map((email) => async () => {
    leadOfEmail.set(email, await emailIndex.ensureLeadForEmail(email, { at: now }));
  }), CONCURRENT_LEADS);
  if (resolving.length) return { results, failures: resolving };

  const firstPlace = new Set<string>();
  const byLead = new Map<string, number[]>();
  items.forEach((item, index) => {
    if (firstPlace.has(item.orderId)) {
      results[index] = { orderId: item.orderId, status: 'duplicate' };
      return;
    }
    firstPlace.add(item.orderId);
    const leadId = item.email ? leadOfEmail.get(item.email) : item.leadId;
    byLead.set(leadId ?? '', [...(byLead.get(leadId ?? '') ?? []), index]);
  });
  const failures = await inParallel([...byLead].map(([leadId, indexes]) => async () => {
    for (const index of indexes) results[index] = await recordPurchase(items[index] as PurchaseInput, leadId || undefined, now);
  }), CONCURRENT_LEADS);
  return { results, failures };
}

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, recordPurchasesRoutes, {
  recordPurchases: async ({ body: { purchases: items } }) => {
    const { results, failures } = await recordAll(items, new Date().toISOString());
    const done = results.filter((result): result is PurchaseResult => result !== undefined);
    const count = (status: PurchaseResult['status']) => done.filter((result) => result.status === status).length;
    if (failures.length) {
      const retryable = failures.every((failure) => isThrottling(failure) || failure instanceof LeadBusy);
      if (!retryable) throw failures[0];
      logger.warn('Purchases partly recorded; the caller should repeat the request', { items: items.length, recorded: count('recorded'), failures: failures.length });
      throw new HttpError(
        503,
        `${count('recorded')} of ${items.length} purchases recorded before the table refused more (throttling, or a lead changing under every attempt); repeat the same request to record the rest (recorded ones report duplicate)`,
        undefined,
        { 'retry-after': '2' },
      );
    }
    const body: PurchasesRecorded = {
      recorded: count('recorded'),
      duplicates: count('duplicate'),
      refused: count('unknown_lead') + count('currency_mismatch'),
      purchases: done,
    };
    logger.info('Purchases recorded', { items: items.length, recorded: body.recorded, duplicates: body.duplicates, refused: body.refused });
    return json(200, body);
  },
});
