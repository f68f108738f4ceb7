import { PurchaseBatch, PurchasesRecorded } from './schemas';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY } from '../../src/domain/roles';

export const recordPurchases = defineRoute({
  operationId: 'recordPurchases',
  method: 'POST',
  path: '/v1/admin/purchases',
  roles: ADMIN_ONLY,
  summary: 'Record purchases (1-100): purchase history for RFM segments and lifetime value',
  description:
    'Each purchase names its lead by `email` (an unknown address becomes a lead with only that address) or `leadId`. An `orderId` is recorded once: ' +
    'a repeat, in this request or any later one, is `duplicate` and changes nothing. A lead keeps the currency of its first purchase; a purchase in another is ' +
    '`currency_mismatch` (leadflow converts no currencies). Any invalid item refuses the whole request with 400 and nothing is stored.',
  request: { body: { schema: PurchaseBatch } },
  responses: { 200: { description: 'One result per item, in order.', schema: PurchasesRecorded } },
  errors: { 503: 'The table refused more writes part-way (throttling); repeat the same request: recorded items report duplicate and are not counted twice.' },
});

export const recordPurchasesRoutes = [recordPurchases] as const;
