import { documentClient, secretsManagerClient, sesClient } from './clients';
import { LeadStore } from './lead-store';
import { SesMailer } from './mailer';
import { cachedSecret, keyRingFromSecret } from './secrets';
import { readSuppression, suppressedAmong } from './suppression-store';
import { readConfig, setting } from '../config';
import { signToken, type TokenClaims, type TokenPurpose } from '../domain/consent/signed-token';
import { addressHash } from '../domain/consent/suppression';

/**
 * What every function that mails subscribers needs, built once per cold start: the stores, the
 * mailer, the suppression check and signed links into the public API.
 */
export function subscriberMail() {
  const config = readConfig({
    TABLE_NAME: setting,
    SENDER_ADDRESS: setting,
    SES_CONFIGURATION_SET: setting,
    SIGNING_KEYS_SECRET: setting,
    PRIVACY_SALT_SECRET: setting,
    PUBLIC_BASE_URL: setting,
  });
  const client = documentClient();
  const leads = new LeadStore(client, config.TABLE_NAME);
  const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
  const privacySalt = cachedSecret(secretsManagerClient(), config.PRIVACY_SALT_SECRET, (salt) => salt);
  return {
    tableName: config.TABLE_NAME,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    leads,
    mailer: new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET),
    /** Whether an address is on the suppression list, read consistently. */
    isSuppressed: async (email: string) => (await readSuppression(client, config.TABLE_NAME, addressHash(await privacySalt(), email))) !== undefined,
    /** The addresses among `emails` on the suppression list, read consistently and together. */
    suppressedAmong: async (emails: readonly string[]): Promise<ReadonlySet<string>> => {
      const salt = await privacySalt();
      const hashed = emails.map((email) => ({ email, hash: addressHash(salt, email) }));
      const suppressed = await suppressedAmong(client, config.TABLE_NAME, hashed.map(({ hash }) => hash));
      return new Set(hashed.filter(({ hash }) => suppressed.has(hash)).map(({ email }) => email));
    },
    /** An absolute link into the public API carrying a token signed for `purpose`. */
    link: async (path: string, purpose: TokenPurpose, claims: TokenClaims) =>
      `${config.PUBLIC_BASE_URL}${path}?token=${encodeURIComponent(signToken(await keyRing(), purpose, claims))}`,
  };
}
