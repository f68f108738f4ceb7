import type { FunctionSpec, Manifest } from './types';

/** The header CloudFront adds to every request it forwards to the API when the edge option is on. */
export const EDGE_ORIGIN_HEADER = 'x-leadflow-edge';

/** Values that differ per deployment; the CDK app reads them from context, the local runtime sets its own. */
export interface DeploymentSettings {
  readonly tableName: string;
  readonly busName: string;
  /** Verified SES identity that marketing and alert mail is sent from. */
  readonly senderAddress: string;
  /** Where MQL alerts go while no owner routing is configured. */
  readonly salesInbox: string;
  readonly configurationSetName: string;
  /** Browser origins allowed to call the public routes (CORS). */
  readonly allowedOrigins: readonly string[];
  /** Name or ARN of the secret holding the key ring that signs subscriber links. */
  readonly signingKeysSecret: string;
  /** Name or ARN of the secret holding the salt of address hashes; never rotated (old hashes must keep matching). */
  readonly privacySaltSecret: string;
  /** Name or ARN of the secret holding the forms' CAPTCHA secret keys: `{ "<secretName>": "<key>" }`. */
  readonly formCaptchaSecret: string;
  /** Where subscribers reach the public API: links in email start here. */
  readonly publicBaseUrl: string;
  /** Campaign emails per second across all senders: at most the account's SES sending rate, less what alerts need. */
  readonly sesMaxSendRate: number;
  /** EventBridge Scheduler group holding the campaigns' one-time schedules. */
  readonly scheduleGroupName: string;
  /** Role EventBridge Scheduler assumes to put a schedule's event on the bus. */
  readonly schedulerRoleArn: string;
  /** ARN of the leadflow bus, the schedules' target. */
  readonly busArn: string;
  /** DLQ of schedule deliveries the bus did not accept after every retry. */
  readonly scheduleDlqArn: string;
  /**
   * The edge option only: the value CloudFront puts in the edge header. Public functions then refuse
   * requests without it (callers of the execute-api URL, which skips AWS WAF).
   */
  readonly edgeOriginSecret?: string;
  /**
   * AWS only: name of the secret in which the console stack writes `{ "userPoolId": ... }`, the pool
   * the users admin manages. Absent locally, where the development sign-in's users stand in.
   */
  readonly userPoolSecret?: string;
  /** Local mode only: webhook endpoints may also be plain http on 127.0.0.1 (a receiver on this machine). */
  readonly loopbackWebhooks?: boolean;
}

/**
 * The environment variables a function receives, derived from what it may access, so a function
 * never sees configuration for a resource it has no grant on. Read by the CDK stack and the local runtime.
 */
export function environmentFor(
  fn: FunctionSpec,
  manifest: Manifest,
  settings: DeploymentSettings,
): Record<string, string> {
  const env: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: manifest.service,
    LEADFLOW_FUNCTION: fn.name,
  };
  if (fn.table) env.TABLE_NAME = settings.tableName;
  if (fn.access.includes('bus:put')) env.EVENT_BUS_NAME = settings.busName;
  if (fn.access.includes('ses:send')) {
    env.SENDER_ADDRESS = settings.senderAddress;
    env.SALES_INBOX = settings.salesInbox;
    env.SES_CONFIGURATION_SET = settings.configurationSetName;
    env.SES_MAX_SEND_RATE = String(settings.sesMaxSendRate);
  }
  if (fn.access.includes('secret:signing-keys')) env.SIGNING_KEYS_SECRET = settings.signingKeysSecret;
  if (fn.access.includes('links:public')) env.PUBLIC_BASE_URL = settings.publicBaseUrl;
  if (fn.access.includes('secret:privacy-salt')) env.PRIVACY_SALT_SECRET = settings.privacySaltSecret;
  if (fn.access.includes('secret:form-captcha')) env.FORM_CAPTCHA_SECRET = settings.formCaptchaSecret;
  if (fn.access.includes('scheduler:manage')) {
    env.SCHEDULE_GROUP_NAME = settings.scheduleGroupName;
    env.SCHEDULER_ROLE_ARN = settings.schedulerRoleArn;
    env.EVENT_BUS_ARN = settings.busArn;
    env.SCHEDULE_DLQ_ARN = settings.scheduleDlqArn;
  }
  if (fn.access.includes('users:manage') && settings.userPoolSecret) env.USER_POOL_SECRET = settings.userPoolSecret;
  if (settings.loopbackWebhooks && fn.table?.read?.includes('WEBHOOK#')) env.WEBHOOKS_ALLOW_LOOPBACK = 'true';
  if (settings.edgeOriginSecret && fn.trigger.kind === 'http' && fn.trigger.audience === 'public') env.EDGE_ORIGIN_SECRET = settings.edgeOriginSecret;
  if (fn.trigger.kind === 'http') env.MAX_BODY_BYTES = String(fn.maxBodyBytes ?? manifest.http.maxBodyBytes);
  // A consumer tells a record's last delivery before its DLQ by it (isLastDelivery in src/adapters/sqs-records.ts).
  if (fn.trigger.kind === 'event') env.MAX_RECEIVE_COUNT = String(fn.trigger.maxReceiveCount);
  return env;
}
