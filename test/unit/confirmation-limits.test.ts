import { describe, expect, it } from 'vitest';
import { CONFIRMATIONS_PER_ADDRESS, planConfirmation } from '../../src/domain/consent/confirmation-limits';

describe('planConfirmation', () => {
  it('mails only the types not mailed in their window, in the first free quota slot', () => {
    expect(planConfirmation(['newsletter', 'offers', 'offers'], new Set(['newsletter']), new Set([0]))).toEqual({ send: true, subscriptions: ['offers'], slot: 1 });
  });

  it('sends nothing when every type was mailed in its window', () => {
    expect(planConfirmation(['newsletter'], new Set(['newsletter']), new Set())).toEqual({ send: false, reason: 'already-sent' });
  });

  it('sends nothing when the address used its quota of the window', () => {
    const full = new Set(Array.from({ length: CONFIRMATIONS_PER_ADDRESS }, (_, slot) => slot));
    expect(planConfirmation(['offers'], new Set(), full)).toEqual({ send: false, reason: 'address-limit' });
  });
});
