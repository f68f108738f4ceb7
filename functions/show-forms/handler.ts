import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { FormStore } from '../../src/adapters/form-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { throttlingRefusal } from '../../src/adapters/throttling';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { HIDDEN_FIELDS, type FormVersion, type HiddenField } from '../../src/domain/forms/definition';
import { embedScript } from '../../src/domain/forms/embed';
import { formLanguage, formNotFoundPage, hostedFormPage, submissionPath, type FormRendering } from '../../src/domain/forms/pages';
import { signRenderToken } from '../../src/domain/forms/render-token';
import type { Language } from '../../src/domain/subscriptions';
import { HttpError } from '../../src/http/errors';
import { formPage } from '../../src/http/form-pages';
import type { ParsedBodyEvent } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { showFormsRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger, SIGNING_KEYS_SECRET: setting });
const logger = new Logger();
const forms = new FormStore(documentClient(), config.TABLE_NAME);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);

/** A query value by name, own properties only (a `?constructor=` finds nothing). */
const queryValue = (event: ParsedBodyEvent, name: string): string | undefined => {
  const query = event.queryStringParameters ?? {};
  return Object.hasOwn(query, name) ? query[name] : undefined;
};

/** The hidden fields a page knows when it renders: UTM parameters (and any other hidden field) from its address, the referrer. */
function knownHiddenValues(event: ParsedBodyEvent): Partial<Record<HiddenField, string>> {
  const values: Partial<Record<HiddenField, string>> = {};
  for (const name of HIDDEN_FIELDS) {
    const value = queryValue(event, name);
    if (value) values[name] = value;
  }
  const referrer = event.headers.referer;
  if (referrer && !values.referrer) values.referrer = referrer;
  return values;
}

/** The form as shown now: with a fresh signed render time, which the submission's spam check reads. */
async function rendering(formId: string, stored: FormVersion, lang: Language, extra: Partial<FormRendering> = {}): Promise<FormRendering> {
  return { formId, definition: stored.definition, lang, action: submissionPath(formId), renderToken: signRenderToken(await keyRing(), formId, Date.now()), ...extra };
}

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, showFormsRoutes, {
  showForm: async ({ params: { formId } }, event) => {
    const stored = await forms.latest(formId);
    const lang = formLanguage(queryValue(event, 'lang'), event.headers['accept-language'], stored?.definition.defaultLanguage);
    if (!stored) return formPage(404, formNotFoundPage(lang));
    return formPage(200, hostedFormPage(await rendering(formId, stored, lang, { hidden: knownHiddenValues(event) })), stored.definition);
  },

  formEmbedScript: async ({ params: { formId } }, event) => {
    const stored = await forms.latest(formId);
    if (!stored) throw new HttpError(404, `No form ${formId}`);
    const lang = formLanguage(queryValue(event, 'lang'), event.headers['accept-language'], stored.definition.defaultLanguage);
    return {
      statusCode: 200,
      // A fresh render time on every load: never cached.
      headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
      body: embedScript(await rendering(formId, stored, lang, { embedded: true, idempotencyKey: randomUUID() })),
    };
  },
});
