import { describe, expect, it } from 'vitest';
import { SubscriptionTypeSettings, type CatalogueRecord, type SubscriptionCatalogueRecords } from '../../src/app/subscription-types';
import { Conflict, InvalidInput, NotFound } from '../../src/domain/errors';
import { SEEDED_CATALOGUE, type SubscriptionCatalogue, type SubscriptionTypeUse } from '../../src/domain/subscriptions';
import { MemoryLog } from './in-memory';

/** The one catalogue item, saved only at the version read, as the table's conditional put does. */
class MemoryCatalogue implements SubscriptionCatalogueRecords {
  stored: CatalogueRecord = { types: SEEDED_CATALOGUE, version: 0 };
  /** Someone else's save landing between this request's read and its write. */
  interleave?: () => void;
  async get() {
    return this.stored;
  }
  async save(types: SubscriptionCatalogue, previousVersion: number, at: string, by: string, consentsIndexed: readonly string[]) {
    this.interleave?.();
    if (this.stored.version !== previousVersion) return 'version-changed' as const;
    this.stored = { types, version: previousVersion + 1, updatedAt: at, updatedBy: by, consentsIndexed };
    return this.stored;
  }
}

const caseStudies = {
  id: 'case_studies',
  label: { en: 'Case studies', id: 'Studi kasus' },
  description: { en: 'How teams use us.', id: 'Cara tim memakai kami.' },
  doubleOptIn: false,
  transactional: false,
  archived: false,
};
const AT = '2026-11-30T19:00:00.000Z';

function setUp() {
  const records = new MemoryCatalogue();
  const uses = new Map<string, SubscriptionTypeUse[]>();
  return { records, uses, settings: new SubscriptionTypeSettings(records, { of: async (typeId) => uses.get(typeId) ?? [], consentsIndexFilled: async () => false }, new MemoryLog()) };
}

describe('SubscriptionTypeSettings', () => {
  it('reads the seeded types at version 0 until an admin saves, then the saved ones with who saved them', async () => {
    const { settings } = setUp();
    expect(await settings.get()).toEqual({ types: SEEDED_CATALOGUE, version: 0 });
    const saved = await settings.replace({ version: 0, types: [...SEEDED_CATALOGUE, caseStudies] }, 'ana@example.com', AT);
    expect(saved).toEqual({ types: [...SEEDED_CATALOGUE, caseStudies], version: 1, updatedAt: AT, updatedBy: 'ana@example.com' });
    expect(await settings.get()).toEqual(saved);
  });

  it('refuses an edit of a version no longer saved with a 409 naming both versions, and keeps what is saved', async () => {
    const { settings, records } = setUp();
    await settings.replace({ version: 0, types: [...SEEDED_CATALOGUE, caseStudies] }, 'ana', AT);
    const stale = settings.replace({ version: 0, types: SEEDED_CATALOGUE.map((type) => ({ ...type, label: { ...type.label, en: `${type.label.en}!` } })) }, 'budi', AT);
    await expect(stale).rejects.toBeInstanceOf(Conflict);
    await expect(stale).rejects.toThrow(/you read version 0, version 1 is saved/);
    expect(records.stored.updatedBy).toBe('ana');
  });

  it('of two saves at once, one wins and the other gets a 409', async () => {
    const { settings, records } = setUp();
    records.interleave = () => {
      records.interleave = undefined;
      records.stored = { ...records.stored, version: 1, updatedBy: 'someone else' };
    };
    await expect(settings.replace({ version: 0, types: SEEDED_CATALOGUE }, 'ana', AT)).rejects.toMatchObject({ issues: [{ field: 'version' }] });
    expect(records.stored.updatedBy).toBe('someone else');
  });

  it('refuses to remove a saved type or archive one the code relies on, naming the field, and writes nothing', async () => {
    const { settings, records } = setUp();
    const removal = settings.replace({ version: 0, types: SEEDED_CATALOGUE.filter((type) => type.id !== 'offers') }, 'ana', AT);
    await expect(removal).rejects.toBeInstanceOf(InvalidInput);
    await expect(removal).rejects.toMatchObject({ issues: [{ field: 'types', message: expect.stringMatching(/offers/) }] });
    const archiving = settings.replace({ version: 0, types: SEEDED_CATALOGUE.map((type) => (type.id === 'product_updates' ? { ...type, archived: true } : type)) }, 'ana', AT);
    await expect(archiving).rejects.toMatchObject({ issues: [{ field: 'types[1].archived' }] });
    expect(records.stored.version).toBe(0);
  });

  it('deletes a type added since consent records were indexed once nothing uses it, as the next version with who did it', async () => {
    const { settings, records, uses } = setUp();
    await settings.replace({ version: 0, types: [...SEEDED_CATALOGUE, caseStudies] }, 'ana', AT);
    expect(records.stored.consentsIndexed).toEqual(['case_studies']);
    uses.set('case_studies', [{ kind: 'form', id: 'contact', name: 'Contact us' }]);
    await expect(settings.delete('case_studies', 1, 'budi', AT)).rejects.toMatchObject({ issues: [{ field: 'typeId', message: expect.stringMatching(/used by form "Contact us" \(contact\)/) }] });
    expect(records.stored.version).toBe(1);

    uses.clear();
    expect(await settings.delete('case_studies', 1, 'budi', AT)).toEqual({ types: SEEDED_CATALOGUE, version: 2, updatedAt: AT, updatedBy: 'budi' });
    expect(records.stored.consentsIndexed).toEqual([]);
    await expect(settings.delete('case_studies', 2, 'budi', AT)).rejects.toBeInstanceOf(NotFound);
  });

  it('keeps a type saved before consent records were indexed, and the types the code relies on, even with no other use', async () => {
    const { settings, records } = setUp();
    await expect(settings.delete('offers', 0, 'ana', AT)).rejects.toMatchObject({ issues: [{ field: 'typeId', message: expect.stringMatching(/before consent records were indexed/) }] });
    await expect(settings.delete('product_updates', 0, 'ana', AT)).rejects.toBeInstanceOf(Conflict);
    expect(records.stored.version).toBe(0);
  });
});
