import type { Command } from 'commander';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';

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

/** `leadflow settings send-policy get | set`: settings every part of leadflow shares. */
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
}
