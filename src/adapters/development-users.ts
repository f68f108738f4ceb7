import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RoutingConfig } from '../domain/handoff/routing';
import { isRole, type Role } from '../domain/roles';
import { developmentDirectory, type DirectoryUser, type NewUser, noSuchUser, userNameTaken } from '../domain/users';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';

/**
 * The console's users in local mode, where the development sign-in (local/dev-sessions.ts) offers
 * exactly these: the seeded admin and marketer and the routing's reps, as changed by the users admin,
 * and the users it created. Each change is an item of its own under USERS; no password is involved.
 */
export class DevelopmentUserDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly routing: () => Promise<RoutingConfig | undefined>,
  ) {}

  async list(): Promise<DirectoryUser[]> {
    const stored: DirectoryUser[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.developmentUser('').pk }, ConsistentRead: true, ExclusiveStartKey }),
      );
      for (const item of page.Items ?? []) stored.push(userOf(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return developmentDirectory(await this.routing(), stored);
  }

  async create(user: NewUser): Promise<DirectoryUser> {
    if ((await this.list()).some((existing) => existing.user === user.user)) throw userNameTaken(user.user);
    const created: DirectoryUser = { ...user, enabled: true, status: 'DEVELOPMENT' };
    const written = await conditionally(
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.developmentUser(user.user), ...created }, ConditionExpression: 'attribute_not_exists(pk)' })),
      true,
      false,
    );
    if (!written) throw userNameTaken(user.user);
    return created;
  }

  setRole(user: string, role: Role): Promise<void> {
    return this.change(user, { role });
  }

  setEnabled(user: string, enabled: boolean): Promise<void> {
    return this.change(user, { enabled });
  }

  /** A built-in user changed for the first time becomes a stored one, which replaces it from then on. */
  private async change(user: string, change: Partial<Pick<DirectoryUser, 'role' | 'enabled'>>): Promise<void> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.developmentUser(user), ConsistentRead: true }));
    const current = Item ? userOf(Item) : (await this.list()).find((candidate) => candidate.user === user);
    if (!current) throw noSuchUser(user);
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.developmentUser(user), ...current, ...change } }));
  }
}

function userOf(item: Record<string, unknown>): DirectoryUser {
  const role = typeof item.role === 'string' && isRole(item.role) ? item.role : undefined;
  return {
    user: String(item.user),
    name: String(item.name),
    ...(typeof item.email === 'string' ? { email: item.email } : {}),
    role,
    enabled: item.enabled !== false,
    status: String(item.status ?? 'DEVELOPMENT'),
  };
}
