import type { Log } from './ports';
import { Conflict, InvalidInput } from '../domain/errors';
import { catalogueChangeIssues, type SubscriptionCatalogue } from '../domain/subscriptions';

/** The catalogue with the version a save checks (0: never saved, the seeded types) and who saved it. */
export interface StoredSubscriptionCatalogue {
  readonly types: SubscriptionCatalogue;
  readonly version: number;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

export interface SubscriptionCatalogueRecords {
  get(): Promise<StoredSubscriptionCatalogue>;
  save(types: SubscriptionCatalogue, previousVersion: number, at: string, by: string): Promise<StoredSubscriptionCatalogue | 'version-changed'>;
}

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
    private readonly log: Log,
  ) {}

  get(): Promise<StoredSubscriptionCatalogue> {
    return this.records.get();
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
    const saved = await this.records.save(edit.types, current.version, at, by);
    if (saved === 'version-changed') throw changedMeanwhile(edit.version, (await this.records.get()).version);
    this.log.info('Subscription types replaced', { version: saved.version, types: saved.types.length, archived: saved.types.filter((type) => type.archived).length });
    return saved;
  }
}
