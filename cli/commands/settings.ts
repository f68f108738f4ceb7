import type { Command } from 'commander';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { readDataFile } from '../files';

interface SendPolicyOptions {
  cap?: string;
  quietHours?: string;
  timeZone?: string;
}

/** `3/7` -> at most 3 marketing emails per lead in any 7 days. */
function frequencyCap(text: string) {
  const match = /^(\d+)\/(\d+)d?$/.exec(text);
  if (!match) throw new CliError(`--cap must be <emails>/<days>, e.g. 3/7, not ${text}`);
  return { maxEmails: Number(match[1]), periodDays: Number(match[2]) };
}

/** `21:00-08:00` -> quiet from 21:00 to 08:00 in the lead's time zone. */
function quietHours(text: string) {
  const match = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(text);
  if (!match) throw new CliError(`--quiet-hours must be <start>-<end>, e.g. 21:00-08:00, not ${text}`);
  return { start: match[1] as string, end: match[2] as string };
}

const describePolicy = (policy: Record<string, unknown>) => {
  const cap = policy.frequencyCap as { maxEmails: number; periodDays: number } | undefined;
  const quiet = policy.quietHours as { start: string; end: string } | undefined;
  return [
    `send policy version ${String(policy.version)}`,
    `frequency cap: ${cap ? `${cap.maxEmails} marketing emails per lead in any ${cap.periodDays} days` : 'none'}`,
    `quiet hours: ${quiet ? `${quiet.start}-${quiet.end} in the lead's time zone` : 'none'}`,
    `default time zone: ${String(policy.defaultTimeZone)}`,
  ];
};

const describeTypes = (catalogue: Record<string, unknown>) => {
  const types = catalogue.types as { id: string; label: { en: string }; doubleOptIn: boolean; transactional?: boolean; archived?: boolean }[];
  return [
    `subscription types version ${String(catalogue.version)}${catalogue.updatedBy ? `, saved by ${String(catalogue.updatedBy)} at ${String(catalogue.updatedAt)}` : ' (the seeded types)'}`,
    ...types.map((type) => `${type.id.padEnd(24)} ${type.label.en.padEnd(30)} ${type.doubleOptIn ? 'double opt-in' : 'single opt-in'}${type.transactional ? '  transactional' : ''}${type.archived ? '  archived' : ''}`),
  ];
};

/** `leadflow settings send-policy get | set`, `leadflow settings subscription-types get | put | delete`: settings every part of leadflow shares. */
export function registerSettings(program: Command, context: CommandContext): void {
  const { io } = context;
  const settings = commandGroup(program, 'settings', 'settings every campaign and journey shares');
  const sendPolicy = commandGroup(settings, 'send-policy', 'the send-time policy of every marketing email: frequency cap and quiet hours');

  sendPolicy
    .command('get')
    .description('the frequency cap, quiet hours and default time zone')
    .option('--json', 'print the policy as JSON')
    .action(async (options: { json?: boolean }) => {
      const policy = expectOk(await (await context.api()).getSendPolicy(), 'Reading the send policy');
      for (const line of options.json ? [JSON.stringify(policy, null, 2)] : describePolicy(policy)) io.out(line);
    });

  sendPolicy
    .command('set')
    .description('replace the policy: what is not given is not in it (no cap, no quiet hours, UTC)')
    .option('--cap <emails/days>', 'at most this many marketing emails per lead in any this many days, e.g. 3/7')
    .option('--quiet-hours <start-end>', "no marketing email between these local times of the lead's zone, e.g. 21:00-08:00")
    .option('--time-zone <zone>', 'IANA zone of leads with no attributes.timeZone (default UTC)')
    .action(async (options: SendPolicyOptions) => {
      const policy = {
        ...(options.cap ? { frequencyCap: frequencyCap(options.cap) } : {}),
        ...(options.quietHours ? { quietHours: quietHours(options.quietHours) } : {}),
        ...(options.timeZone ? { defaultTimeZone: options.timeZone } : {}),
      };
      const saved = expectOk(await (await context.api()).putSendPolicy(policy), 'Saving the send policy');
      for (const line of describePolicy(saved)) io.out(line);
    });

  const subscriptionTypes = commandGroup(settings, 'subscription-types', 'the kinds of mail subscribers opt into separately: add, rename in both languages, archive');

  subscriptionTypes
    .command('get')
    .description('each type with its opt-in mode and whether it is archived, and the version a put sends back')
    .option('--json', 'print the types as JSON: edit it and give it to put')
    .action(async (options: { json?: boolean }) => {
      const catalogue = expectOk(await (await context.api()).getSubscriptionTypes(), 'Reading the subscription types');
      for (const line of options.json ? [JSON.stringify(catalogue, null, 2)] : describeTypes(catalogue)) io.out(line);
    });

  subscriptionTypes
    .command('put')
    .description('replace the types with a file holding `version` (as read) and every type; a saved type is archived, never removed')
    .argument('<file>', 'the types, YAML or JSON, as `get --json` prints them; every problem is listed with its field')
    .action(async (file: string) => {
      const saved = expectOk(await (await context.api()).putSubscriptionTypes(await readDataFile(file)), `Saving the subscription types from ${file}`);
      for (const line of describeTypes(saved)) io.out(line);
    });

  subscriptionTypes
    .command('delete')
    .description('delete a type nothing uses (one added by mistake); a used one is refused, naming what uses it: archive it instead')
    .argument('<id>', 'the type id')
    .option('--version <n>', 'the version of the types you read (default: the version saved now)')
    .action(async (typeId: string, options: { version?: string }) => {
      const api = await context.api();
      const version = options.version === undefined ? Number(expectOk(await api.getSubscriptionTypes(), 'Reading the subscription types').version) : Number(options.version);
      const saved = expectOk(await api.deleteSubscriptionType(typeId, version), `Deleting subscription type ${typeId}`);
      for (const line of describeTypes(saved)) io.out(line);
    });

  subscriptionTypes
    .command('backfill-consent-index')
    .description('index every consent record saved before consent records were indexed by type, so a type saved before then can be deleted once none names it (safe to repeat; resume with --from)')
    .option('--from <cursor>', 'resume after the page that printed this cursor')
    .action(async (options: { from?: string }) => {
      let cursor = options.from;
      let scanned = 0;
      let indexed = 0;
      do {
        const page = expectOk(await (await context.api()).backfillConsentIndex(cursor ? { cursor } : {}), 'Indexing consent records by type');
        scanned += Number(page.scanned);
        indexed += Number(page.indexed);
        cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
        io.out(`${scanned} leads looked at, ${indexed} consent records indexed${cursor ? ` (resume with --from ${cursor})` : ''}`);
      } while (cursor);
      io.out('every consent record is indexed by type: deleting a subscription type now trusts the index');
    });
}
