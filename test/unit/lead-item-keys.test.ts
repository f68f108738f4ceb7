import { describe, expect, it } from 'vitest';
import { keys } from '../../src/adapters/keys';

/** Every key builder of the table called with placeholder arguments: the items a lead's partition can hold. */
function leadPartitionSortKeys(): string[] {
  const sortKeys: string[] = [];
  for (const build of Object.values(keys)) {
    if (typeof build !== 'function') continue;
    const key = (build as (...args: unknown[]) => unknown)(...Array.from({ length: build.length }, () => '0'));
    if (typeof key === 'object' && key !== null && 'pk' in key && 'sk' in key && String(key.pk).startsWith('LEAD#')) sortKeys.push(String(key.sk));
  }
  return sortKeys;
}

describe('a lead partition', () => {
  it('holds nothing between the profile and the score, so one query of that range reads exactly the two (LeadStore.getLead)', () => {
    const sortKeys = leadPartitionSortKeys();
    expect(sortKeys).toContain(keys.lead('0').sk);
    expect(sortKeys).toContain(keys.score('0').sk);
    expect(sortKeys.filter((sk) => sk > keys.lead('0').sk && sk < keys.score('0').sk)).toEqual([]);
  });
});
