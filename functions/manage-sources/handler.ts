import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { SourceStore } from '../../src/adapters/source-store';
import { TrackingSources } from '../../src/app/tracking-sources';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { pageBody } from '../../src/http/page-query';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageSourcesRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const sources = new TrackingSources(new SourceStore(documentClient(), config.TABLE_NAME));

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageSourcesRoutes, {
  createSource: async ({ body }) => {
    const source = await sources.add(body);
    logger.info('Tracking source added', { sourceId: source.id, origins: source.origins.length });
    return json(201, source);
  },
  listSources: async ({ query }) => json(200, pageBody(await sources.list(query))),
  updateSource: async ({ params: { sourceId }, body }) => {
    const source = await sources.update(sourceId, body);
    logger.info('Tracking source changed', { sourceId, origins: source.origins.length });
    return json(200, source);
  },
  rotateSourceKey: async ({ params: { sourceId }, body: { graceHours } }) => {
    const source = await sources.rotate(sourceId, graceHours);
    logger.info('Write key rotated', { sourceId, graceHours });
    return json(200, source);
  },
  revokeSourceKeys: async ({ params: { sourceId }, body: { writeKey } }) => {
    const source = await sources.revoke(sourceId, writeKey);
    logger.info('Write keys revoked', { sourceId, all: writeKey === undefined });
    return json(200, source);
  },
});
