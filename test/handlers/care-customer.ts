/** The customer the care consumers' handler tests start from: its lead item as the table holds it. */
export const LEAD_ID = '0b7e8a52-4c1d-4f7e-9d55-3f3c2b1a0e11';
const NOW = Date.now();
export const daysAgo = (days: number) => new Date(NOW - days * 86_400_000).toISOString();
export const leadKey = { pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE' };
export const customerItem = <Fields extends Record<string, unknown>>(fields: Fields = {} as Fields) => ({
  ...leadKey,
  id: LEAD_ID,
  email: 'ana@example.com',
  createdAt: daysAgo(900),
  updatedAt: daysAgo(200),
  firstTouch: { at: daysAgo(900) },
  lastTouch: { at: daysAgo(900) },
  subscriptions: {},
  version: 3,
  stage: 'customer',
  ...fields,
});
