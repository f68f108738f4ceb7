import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { FormStore } from '../../src/adapters/form-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { InvalidInput } from '../../src/domain/errors';
import { sameDefinition } from '../../src/domain/same-definition';
import { subscriptionTypeIssue } from '../../src/domain/subscriptions';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { pageBody } from '../../src/http/page-query';
import { routesHandler } from '../../src/http/routes';
import { manageFormsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const forms = new FormStore(documentClient(), config.TABLE_NAME);
const subscriptionTypes = new SubscriptionTypeStore(documentClient(), config.TABLE_NAME);

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageFormsRoutes, {
  listForms: async ({ query }) => json(200, pageBody(await forms.list(query))),

  getForm: async ({ params: { formId } }) => {
    const latest = await forms.latest(formId);
    if (!latest) throw new HttpError(404, `No form ${formId}`);
    return json(200, latest);
  },

  getFormVersion: async ({ params: { formId, version } }) => {
    const found = await forms.version(formId, version);
    if (!found) throw new HttpError(404, `Form ${formId} has no version ${version}`);
    return json(200, found);
  },

  createForm: async ({ body: { formId, definition } }) => {
    const written = await forms.addVersion(formId, 0, definition, new Date().toISOString());
    if (written.outcome === 'conflict') throw new HttpError(409, `Form ${formId} exists already: save a new version of it instead`, [{ field: 'formId', message: 'is the id of an existing form' }]);
    logger.info('Form created', { formId });
    return json(201, { formId, version: written.version.version, created: true });
  },

  // Versions never change: a new definition becomes the next version; the same one makes none.
  saveForm: async ({ params: { formId }, body: definition }) => {
    const head = await forms.summary(formId);
    const latest = head ? await forms.version(formId, head.latestVersion) : undefined;
    if (latest && sameDefinition(latest.definition, definition)) return json(200, { formId, version: latest.version, created: false });
    // A new version offers active subscription types only; versions saved before an archiving keep theirs.
    const catalogue = await subscriptionTypes.current(definition.consents.map((consent) => consent.subscription));
    const issues = definition.consents.flatMap((consent, index) => subscriptionTypeIssue(catalogue, consent.subscription, `consents[${index}].subscription`) ?? []);
    const [first] = issues;
    if (first) throw new InvalidInput(`Invalid request: ${first.field} ${first.message}`, issues);
    const written = await forms.addVersion(formId, head?.latestVersion ?? 0, definition, new Date().toISOString(), head?.createdAt);
    if (written.outcome === 'conflict') throw new HttpError(409, `Form ${formId} got a new version while this one was saved; push again`);
    logger.info('Form version saved', { formId, version: written.version.version });
    return json(200, { formId, version: written.version.version, created: true });
  },
});
