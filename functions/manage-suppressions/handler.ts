import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { cachedSecret } from '../../src/adapters/secrets';
import { LeadStore } from '../../src/adapters/lead-store';
import { SuppressionStore } from '../../src/adapters/suppression-store';
import { Email } from '../../src/api/schemas';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { addressHash } from '../../src/domain/consent/suppression';
import { HttpError, parameter } from '../../src/http/errors';
import { pageBody } from '../../src/http/page-query';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageSuppressionsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, PRIVACY_SALT_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const suppressions = new SuppressionStore(documentClient(), config.TABLE_NAME);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const privacySalt = cachedSecret(secretsManagerClient(), config.PRIVACY_SALT_SECRET, (salt) => salt);

/** The address in the path, whether or not the gateway decoded `%40`. */
function emailParameter(raw: string): string {
  let decoded = raw;
  try {
    decoded = raw?.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    // Left as given: the schema then names the field at fault.
  }
  return parameter(decoded, 'email', Email);
}

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageSuppressionsRoutes, {
  listSuppressions: async ({ query }) => json(200, pageBody(await suppressions.list(query))),

  getSuppression: async ({ params }) => {
    const email = emailParameter(params.email);
    const suppression = await suppressions.get(addressHash(await privacySalt(), email));
    if (!suppression) throw new HttpError(404, `${email} is not suppressed`);
    return json(200, suppression);
  },

  liftSuppression: async ({ params, body: { reason } }) => {
    const email = emailParameter(params.email);
    const hash = addressHash(await privacySalt(), email);
    const outcome = await suppressions.lift(hash, reason, new Date().toISOString());
    if (outcome === 'not-suppressed') throw new HttpError(404, `${email} is not suppressed`);
    await leads.setEmailSuppression(email, undefined);
    logger.info('Suppression lifted', { hash });
    return json(200, { email, lifted: true, reason });
  },
});
