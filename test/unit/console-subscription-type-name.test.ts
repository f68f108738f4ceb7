import { describe, expect, it } from 'vitest';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import { subscriptionTypeName } from '../../web/console/src/subscription-type-name';

const archived = (name: string) => `${name} (archived)`;
const diarsipkan = (name: string) => `${name} (diarsipkan)`;

describe('the console names a subscription type', () => {
  const types = [...SEEDED_CATALOGUE.map((type) => (type.id === 'offers' ? { ...type, archived: true } : type))];

  it('by its label in the page language, marking an archived one', () => {
    expect(subscriptionTypeName(types, 'newsletter', 'en', archived)).toBe('Newsletter');
    expect(subscriptionTypeName(types, 'newsletter', 'id', diarsipkan)).toBe('Buletin');
    expect(subscriptionTypeName(types, 'offers', 'en', archived)).toBe('Offers (archived)');
    expect(subscriptionTypeName(types, 'offers', 'id', diarsipkan)).toBe('Penawaran (diarsipkan)');
  });

  it('by its id when the catalogue does not hold it, or has not loaded yet', () => {
    expect(subscriptionTypeName(types, 'case_studies', 'en', archived)).toBe('case_studies');
    expect(subscriptionTypeName(undefined, 'newsletter', 'id', diarsipkan)).toBe('newsletter');
  });
});
