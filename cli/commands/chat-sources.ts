import type { Command } from 'commander';
import { expectOk, everyItem } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';

const KINDS = 'intercom, tawkto or generic';
/** The mapping options of a generic source, by the field of the mapping each sets. */
const MAPPING_OPTIONS = {
  conversationId: '--conversation-id <path>',
  messageId: '--message-id <path>',
  messageText: '--message-text <path>',
  visitorEmail: '--visitor-email <path>',
  visitorId: '--visitor-id <path>',
  timestamp: '--timestamp <path>',
} as const;
type MappingField = keyof typeof MAPPING_OPTIONS;

/** `leadflow chat-sources add | list | rotate | remove`: chat tools posting conversations to signed webhooks. */
export function registerChatSources(program: Command, context: CommandContext): void {
  const { io } = context;
  const sources = commandGroup(program, 'chat-sources', 'chat tools posting conversations to signed inbound webhooks');

  const add = sources
    .command('add')
    .description(`add a chat source (${KINDS}); prints the webhook path to give the tool`)
    .argument('<id>', 'names the source in its webhook URL, /v1/chat/<id>')
    .argument('<kind>', KINDS)
    .option('--secret <secret>', "the tool's signing secret (required for intercom and tawkto; a generic source without one gets a new whsec_ secret)")
    .option('--description <text>', 'what the source is');
  for (const [field, flag] of Object.entries(MAPPING_OPTIONS)) add.option(flag, `generic: the JSON path of the ${field}`);
  add.action(async (id: string, kind: string, options: { secret?: string; description?: string } & Partial<Record<MappingField, string>>) => {
    const mapping = Object.fromEntries(Object.keys(MAPPING_OPTIONS).flatMap((field) => (options[field as MappingField] ? [[field, options[field as MappingField] as string]] : [])));
    if (kind === 'generic' && !mapping.conversationId) throw new CliError('a generic source needs at least --conversation-id <path>, e.g. --conversation-id data.conversation.id --message-text data.message.text');
    const created = expectOk(
      await (await context.api()).addChatSource({
        id,
        kind,
        ...(options.secret ? { secret: options.secret } : {}),
        ...(Object.keys(mapping).length ? { mapping } : {}),
        ...(options.description ? { description: options.description } : {}),
      }),
      `Adding chat source ${id}`,
    );
    io.out(`chat source ${id} added: point the ${kind} webhook at <API base URL>${String(created.webhookPath)}`);
    if (created.secret) io.out(`signing secret (shown only now; the sender signs Standard Webhooks with it): ${String(created.secret)}`);
  });

  sources
    .command('list')
    .description('every chat source, oldest first (never a secret)')
    .action(async () => {
      const api = await context.api();
      const all = await everyItem<{ id: string; kind: string; createdAt: string; description?: string; previousSecretUntil?: string }>((cursor) => api.listChatSources(cursor), 'Listing chat sources');
      io.out(
        all.length
          ? all.map((source) => `${source.id}  ${source.kind}  ${source.createdAt}${source.previousSecretUntil ? `  old secret verifies until ${source.previousSecretUntil}` : ''}${source.description ? `  ${source.description}` : ''}`).join('\n')
          : 'no chat sources',
      );
    });

  sources
    .command('rotate')
    .description("a new secret: the tool's (--secret), or a new whsec_ one for a generic source; the old one also verifies for 24 h or the hours given")
    .argument('<id>')
    .option('--secret <secret>', "the tool's new signing secret")
    .option('--overlap-hours <0-168>', 'how long the old secret also verifies (default 24)')
    .action(async (id: string, options: { secret?: string; overlapHours?: string }) => {
      const rotation = { ...(options.secret ? { secret: options.secret } : {}), ...(options.overlapHours === undefined ? {} : { overlapHours: Number(options.overlapHours) }) };
      const rotated = expectOk(await (await context.api()).rotateChatSourceSecret(id, rotation), `Rotating the secret of chat source ${id}`);
      if (rotated.secret) io.out(`new signing secret (shown only now): ${String(rotated.secret)}`);
      io.out(rotated.previousSecretUntil ? `the old secret also verifies until ${String(rotated.previousSecretUntil)}` : 'the old secret no longer verifies');
    });

  sources
    .command('remove')
    .description('remove a chat source: its webhook answers 404 from then on')
    .argument('<id>')
    .action(async (id: string) => {
      expectOk(await (await context.api()).removeChatSource(id), `Removing chat source ${id}`);
      io.out(`chat source ${id} removed`);
    });
}
