import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { RoutingStore } from '../../src/adapters/routing-store';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageRoutingRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const routing = new RoutingStore(documentClient(), config.TABLE_NAME);

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageRoutingRoutes, {
  getRouting: async () => {
    const stored = await routing.get();
    if (!stored) throw new HttpError(404, 'No routing configured: MQL alerts go to the sales inbox');
    return json(200, { ...stored.config, version: stored.version, updatedAt: stored.updatedAt });
  },

  // Replaces the whole configuration; leads already owned keep their owners.
  replaceRouting: async ({ body }) => {
    const previous = await routing.get();
    const saved = await routing.save(body, previous?.version ?? 0, new Date().toISOString());
    if (saved === 'version-changed') throw new HttpError(409, 'The routing configuration was changed at the same time; read it again and repeat the request');
    logger.info('Routing configured', { version: saved.version, teams: saved.config.teams.length, rules: saved.config.rules.length });
    return json(200, { ...saved.config, version: saved.version, updatedAt: saved.updatedAt });
  },
});
