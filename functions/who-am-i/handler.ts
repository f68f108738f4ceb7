import { Logger } from '@aws-lambda-powertools/logger';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { whoAmIRoutes, type Me } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const logger = new Logger();

export const handler = routesHandler({ logger, unavailable: throttlingRefusal }, whoAmIRoutes, {
  getMe: async ({ caller }) =>
    json(200, (caller.kind === 'user' ? { user: caller.user, name: caller.name, role: caller.role } : { user: 'service', name: 'Service', role: 'admin' }) satisfies Me),
});
