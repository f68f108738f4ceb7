import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { SEEDED_CATALOGUE, type SubscriptionCatalogue } from '../../src/domain/subscriptions';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});
afterEach(() => {
  vi.useRealTimers();
});

const typeNamed = (id: string): SubscriptionCatalogue[number] => ({ id, label: { en: id, id }, description: { en: `About ${id}`, id: `Tentang ${id}` }, doubleOptIn: true, transactional: false, archived: false });
const ids = (catalogue: SubscriptionCatalogue) => catalogue.map((type) => type.id);

describe('the subscription types as a reader holds them, on DynamoDB Local', () => {
  it('are read again at once when they lack a type the input names (added moments ago by another container), at most once a second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // Two containers: one that reads (a form's, a submission's), one that saves (the settings').
    const reader = new SubscriptionTypeStore(table.documents, TABLE_NAME);
    const settings = new SubscriptionTypeStore(table.documents, TABLE_NAME);
    expect(ids(await reader.current())).toEqual(ids(SEEDED_CATALOGUE));

    const withWebinars = await settings.save([...SEEDED_CATALOGUE, typeNamed('webinars')], 0, new Date().toISOString(), 'admin', []);
    if (withWebinars === 'version-changed') throw new Error('saved meanwhile');
    // Held for its minute: a reader that names nothing still sees what it read.
    expect(ids(await reader.current())).not.toContain('webinars');
    // Within a second of the last read a type named and missing does not make another read...
    expect(ids(await reader.current(['webinars']))).not.toContain('webinars');
    vi.setSystemTime(Date.now() + 1_100);
    // ...after it, it does, and the catalogue read is held for the next readers.
    expect(ids(await reader.current(['webinars']))).toContain('webinars');
    expect(ids(await reader.current())).toContain('webinars');

    const withPodcasts = await settings.save([...withWebinars.types, typeNamed('podcasts')], withWebinars.version, new Date().toISOString(), 'admin', []);
    if (withPodcasts === 'version-changed') throw new Error('saved meanwhile');
    vi.setSystemTime(Date.now() + 1_100);
    // A name no catalogue has makes one read...
    expect(ids(await reader.current(['no-such-type']))).toContain('podcasts');
    // ...and no other within the second, however often it is named: a type saved meanwhile is not seen yet.
    await settings.save([...withPodcasts.types, typeNamed('meetups')], withPodcasts.version, new Date().toISOString(), 'admin', []);
    const named = await Promise.all([1, 2, 3].map(() => reader.current(['no-such-type'])));
    expect(named.map(ids).filter((read) => read.includes('meetups'))).toEqual([]);
  });
});
