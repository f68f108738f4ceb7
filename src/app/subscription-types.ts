import type { Log } from './ports';
import { Conflict, InvalidInput, NotFound } from '../domain/errors';
import { catalogueChangeIssues, deletionIssues, isSubscriptionType, type SubscriptionCatalogue, type SubscriptionTypeUse } from '../domain/subscriptions';

/** The catalogue with the version a save checks (0: never saved, the seeded types) and who saved it. */
export interface StoredSubscriptionCatalogue {
  readonly types: SubscriptionCatalogue;
  readonly version: number;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

/**
 * The catalogue as the table keeps it: with the ids of the types added since consent records were
 * indexed by type (`consentsIndexed`), for which the index alone says whether any record names them.
 */
export interface CatalogueRecord extends StoredSubscriptionCatalogue {
  readonly consentsIndexed?: readonly string[];
}

export interface SubscriptionCatalogueRecords {
  get(): Promise<CatalogueRecord>;
  save(types: SubscriptionCatalogue, previousVersion: number, at: string, by: string, consentsIndexed: readonly string[]): Promise<CatalogueRecord | 'version-changed'>;
}

/** Everything that names a subscription type now: consent records (from the index by type), campaigns, journeys, forms, segments, care surveys. */
export interface SubscriptionTypeUses {
  of(typeId: string): Promise<SubscriptionTypeUse[]>;
  /** Whether the consent index backfill has walked every lead, so the index holds the records saved before it too. */
  consentsIndexFilled(): Promise<boolean>;
}

/** The catalogue as callers see it, without what only the table needs. */
const shown = ({ consentsIndexed: _indexed, ...stored }: CatalogueRecord): StoredSubscriptionCatalogue => stored;

/** What an admin sends: the whole catalogue, and the version it was read at. */
export interface CatalogueEdit {
  readonly version: number;
  readonly types: SubscriptionCatalogue;
}

const changedMeanwhile = (read: number, saved: number) =>
  new Conflict(`The subscription types were changed by someone else meanwhile (you read version ${read}, version ${saved} is saved); read them again and repeat`, [
    { field: 'version', message: `is ${read}, but version ${saved} is saved` },
  ]);

/** Reading and replacing the subscription types: adding types, renaming them in both languages, archiving them. */
export class SubscriptionTypeSettings {
  constructor(
    private readonly records: SubscriptionCatalogueRecords,
    private readonly uses: SubscriptionTypeUses,
    private readonly log: Log,
  ) {}

  async get(): Promise<StoredSubscriptionCatalogue> {
    return shown(await this.records.get());
  }

  /**
   * Replaces the catalogue if nobody saved another since `edit.version`. A saved type is never removed
   * (it is archived), and the types the code relies on stay active; readers pick a change up within a minute.
   */
  async replace(edit: CatalogueEdit, by: string, at: string): Promise<StoredSubscriptionCatalogue> {
    const current = await this.records.get();
    if (edit.version !== current.version) throw changedMeanwhile(edit.version, current.version);
    const issues = catalogueChangeIssues(current.types, edit.types);
    const [first] = issues;
    if (first) throw new InvalidInput(`Invalid request: ${first.field} ${first.message}`, issues);
    // A type first saved now has every consent record that will ever name it in the index by type.
    const added = edit.types.filter((type) => !isSubscriptionType(current.types, type.id)).map((type) => type.id);
    const saved = await this.records.save(edit.types, current.version, at, by, [...(current.consentsIndexed ?? []), ...added]);
    if (saved === 'version-changed') throw changedMeanwhile(edit.version, (await this.records.get()).version);
    this.log.info('Subscription types replaced', { version: saved.version, types: saved.types.length, archived: saved.types.filter((type) => type.archived).length });
    return shown(saved);
  }

  /**
   * Removes a type nothing names, as the next version, if nobody saved another since `version`: a type
   * added by mistake, say. A type the code relies on, or one named by a consent record, a campaign, a
   * journey, a form, a segment or a care survey, stays (archive it instead); the refusal names what uses it.
   * A type saved before consent records were indexed by type waits for the consent index backfill: until
   * it has run to its end, records naming the type may be missing from the index, and the index is not trusted.
   */
  async delete(typeId: string, version: number, by: string, at: string): Promise<StoredSubscriptionCatalogue> {
    const current = await this.records.get();
    if (!isSubscriptionType(current.types, typeId)) throw new NotFound(`No subscription type ${typeId}`);
    if (version !== current.version) throw changedMeanwhile(version, current.version);
    const indexed = current.consentsIndexed ?? [];
    const issues = deletionIssues(current.types, typeId, await this.uses.of(typeId));
    const [first] = issues;
    if (first) throw new Conflict(`Subscription type ${typeId} ${first.message}`, issues);
    if (!indexed.includes(typeId) && !(await this.uses.consentsIndexFilled())) {
      const message = `cannot be deleted until the consent index backfill has run to its end (leadflow settings subscription-types backfill-consent-index): ${typeId} was saved before consent records were indexed by type`;
      throw new Conflict(`Subscription type ${typeId} ${message}`, [{ field: 'typeId', message }]);
    }
    const saved = await this.records.save(
      current.types.filter((type) => type.id !== typeId),
      current.version,
      at,
      by,
      indexed.filter((id) => id !== typeId),
    );
    if (saved === 'version-changed') throw changedMeanwhile(version, (await this.records.get()).version);
    this.log.info('Subscription type deleted', { version: saved.version, types: saved.types.length });
    return shown(saved);
  }
}
