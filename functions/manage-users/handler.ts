import * as z from 'zod/mini';
import { Logger } from '@aws-lambda-powertools/logger';
import { cognitoClient, documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { CognitoUserDirectory } from '../../src/adapters/cognito-users';
import { DevelopmentUserDirectory } from '../../src/adapters/development-users';
import { RoutingStore } from '../../src/adapters/routing-store';
import { cachedSecret } from '../../src/adapters/secrets';
import { UsersAdmin, type UserDirectory } from '../../src/app/users-admin';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageUsersRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger, USER_POOL_SECRET: z.optional(setting) });
const logger = new Logger();

/** `{ "userPoolId": "<region>_<id>" }`, written by the console stack, which owns the pool. */
function userPoolIdOf(secretString: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error('The user pool secret is not JSON');
  }
  const id = typeof parsed === 'object' && parsed !== null ? (parsed as { userPoolId?: unknown }).userPoolId : undefined;
  if (typeof id !== 'string' || !id) throw new Error('The user pool secret has no "userPoolId"');
  return id;
}

// In AWS the console stack names the user pool; locally (no pool) the development sign-in's users.
const directory: UserDirectory = config.USER_POOL_SECRET
  ? new CognitoUserDirectory(cognitoClient(), cachedSecret(secretsManagerClient(), config.USER_POOL_SECRET, userPoolIdOf))
  : (() => {
      const client = documentClient();
      const routing = new RoutingStore(client, config.TABLE_NAME);
      return new DevelopmentUserDirectory(client, config.TABLE_NAME, async () => (await routing.get())?.config);
    })();
const users = new UsersAdmin(directory);

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageUsersRoutes, {
  listUsers: async () => json(200, { users: await users.list() }),
  inviteUser: async ({ body }) => json(201, await users.invite(body)),
  setUserRole: async ({ caller, params, body }) => json(200, await users.setRole(caller, params.user, body.role)),
  disableUser: async ({ caller, params }) => json(200, await users.setEnabled(caller, params.user, false)),
  enableUser: async ({ caller, params }) => json(200, await users.setEnabled(caller, params.user, true)),
});
