import { describe, expect, it } from 'vitest';
import { catalogueChangeIssues, RELIED_ON_TYPES, SEEDED_CATALOGUE, subscriptionLabel, subscriptionTypeIssue, SubscriptionTypes, type SubscriptionTypeDefinition } from '../../src/domain/subscriptions';
import { fieldPath } from '../../src/http/errors';

const caseStudies: SubscriptionTypeDefinition = {
  id: 'case_studies',
  label: { en: 'Case studies', id: 'Studi kasus' },
  description: { en: 'How teams use us.', id: 'Cara tim memakai kami.' },
  doubleOptIn: false,
  transactional: false,
  archived: false,
};
const archive = (id: string) => SEEDED_CATALOGUE.map((type) => (type.id === id ? { ...type, archived: true } : type));
const issuesOf = (input: unknown) => {
  const parsed = SubscriptionTypes.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ field: fieldPath(['types', ...issue.path]), message: issue.message }));
};

describe('the subscription type catalogue', () => {
  it('takes the seeded types, a new one, and defaults transactional and archived to false', () => {
    const { transactional: _t, archived: _a, ...bare } = caseStudies;
    const parsed = SubscriptionTypes.parse([...SEEDED_CATALOGUE, bare]);
    expect(parsed.at(-1)).toEqual(caseStudies);
  });

  it('names the field at fault: an id off the pattern, a repeated id, an empty name in either language', () => {
    expect(issuesOf([...SEEDED_CATALOGUE, { ...caseStudies, id: 'Case Studies' }])).toEqual([{ field: 'types[4].id', message: expect.stringMatching(/lower-case/) }]);
    expect(issuesOf([...SEEDED_CATALOGUE, { ...caseStudies, id: 'events' }])).toEqual([{ field: 'types[4].id', message: 'repeats events' }]);
    expect(issuesOf([{ ...caseStudies, label: { en: ' ', id: 'Studi kasus' } }])).toEqual([{ field: 'types[0].label.en', message: 'must not be empty' }]);
    expect(issuesOf([{ ...caseStudies, label: { en: 'Case studies' } }])[0]?.field).toBe('types[0].label.id');
    expect(issuesOf([])[0]?.message).toMatch(/at least one/);
  });

  it('never lets a saved type go: removing or renaming one is refused, archiving it is not', () => {
    const withoutEvents = SEEDED_CATALOGUE.filter((type) => type.id !== 'events');
    expect(catalogueChangeIssues(SEEDED_CATALOGUE, withoutEvents)).toEqual([{ field: 'types', message: expect.stringMatching(/must still hold events.*archive it instead/) }]);
    const renamed = SEEDED_CATALOGUE.map((type) => (type.id === 'events' ? { ...type, id: 'webinars' } : type));
    expect(catalogueChangeIssues(SEEDED_CATALOGUE, renamed)[0]?.message).toMatch(/must still hold events/);
    expect(catalogueChangeIssues(SEEDED_CATALOGUE, archive('events'))).toEqual([]);
    expect(catalogueChangeIssues(SEEDED_CATALOGUE, [...SEEDED_CATALOGUE, caseStudies])).toEqual([]);
  });

  it('keeps the types the code relies on (newsletter, product_updates) active', () => {
    expect(Object.keys(RELIED_ON_TYPES)).toEqual(['newsletter', 'product_updates']);
    expect(catalogueChangeIssues(SEEDED_CATALOGUE, archive('newsletter'))).toEqual([{ field: 'types[0].archived', message: expect.stringMatching(/cannot be true for newsletter/) }]);
    expect(catalogueChangeIssues(SEEDED_CATALOGUE, archive('product_updates'))[0]?.field).toBe('types[1].archived');
  });

  it('lets new work name active types only, and says which to choose', () => {
    const catalogue = [...archive('offers'), caseStudies];
    expect(subscriptionTypeIssue(catalogue, 'case_studies', 'subscription')).toBeUndefined();
    expect(subscriptionTypeIssue(catalogue, 'offers', 'subscription')).toEqual({ field: 'subscription', message: 'names offers, which is archived: choose one of newsletter, product_updates, events, case_studies' });
    expect(subscriptionTypeIssue(catalogue, 'nope', 'consents[0].subscription')?.message).toBe('must be one of newsletter, product_updates, events, case_studies');
  });

  it('names a type in both languages, or by its id once the catalogue no longer knows it', () => {
    expect(subscriptionLabel([caseStudies], 'case_studies')).toEqual({ en: 'Case studies', id: 'Studi kasus' });
    expect(subscriptionLabel([caseStudies], 'gone')).toEqual({ en: 'gone', id: 'gone' });
  });
});
