import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { averageLifespan, DEFAULT_LIFESPAN, type Lifespan, type LifespanSettings, type LifespanStats } from '../domain/care/lifetime-value';
import * as keys from './keys';

const positive = (value: unknown): value is number => typeof value === 'number' && value > 0;

/** The lifespan settings of an item that holds them (the lifespans item, or the care settings' `lifespan`). */
function settingsOf(value: unknown): LifespanSettings | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { configuredYears, minimumChurned } = value as Record<string, unknown>;
  return positive(configuredYears) && positive(minimumChurned) ? { configuredYears, minimumChurned } : undefined;
}

/**
 * The average customer lifespan from the one item that holds all it needs: the churned customers
 * counted (`churned`, `totalDays`, added at each churn) and the lifespan settings (copied there each
 * time the care settings are saved). Segments, journeys, campaigns and the care worker read it with
 * one small GetItem and no other care data.
 */
export class LifespanStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async stats(): Promise<LifespanStats | undefined> {
    const item = (await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lifespans() }))).Item;
    return item ? { churned: Number(item.churned ?? 0), totalDays: Number(item.totalDays ?? 0) } : undefined;
  }

  async lifespan(): Promise<Lifespan> {
    const item = (await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lifespans() }))).Item;
    const stats = item ? { churned: Number(item.churned ?? 0), totalDays: Number(item.totalDays ?? 0) } : undefined;
    return averageLifespan(stats, settingsOf(item) ?? (await this.savedSettings()));
  }

  /** Settings saved before they were copied to the lifespans item: read once from the care settings. */
  private async savedSettings(): Promise<LifespanSettings> {
    const item = (await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.careSettings(), ProjectionExpression: '#settings.#lifespan', ExpressionAttributeNames: { '#settings': 'settings', '#lifespan': 'lifespan' } }))).Item;
    return settingsOf((item?.settings as { lifespan?: unknown } | undefined)?.lifespan) ?? DEFAULT_LIFESPAN;
  }
}
