import type { Command } from 'commander';
import { expectOk, everyItem } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';

const SECRET_NOTE = 'shown only now; the receiver verifies with it and a Standard Webhooks library';

/** `leadflow webhooks add | list | choices | rotate | remove`: endpoints that receive leadflow's events. */
export function registerWebhooks(program: Command, context: CommandContext): void {
  const { io } = context;
  const webhooks = commandGroup(program, 'webhooks', 'endpoints that receive events, signed as Standard Webhooks');

  webhooks
    .command('add')
    .description('register an endpoint; prints its Standard Webhooks signing secret (whsec_…), shown only this once')
    .argument('<url>', 'the https endpoint')
    .option('--events <type,...>', 'the event types it receives, e.g. lead.qualified,lead.assigned (required)')
    .option('--description <text>', 'what the endpoint is')
    .action(async (url: string, options: { events?: string; description?: string }) => {
      if (!options.events) throw new CliError('webhooks add needs a URL and --events, e.g. webhooks add https://crm.example.com/hooks --events lead.qualified,lead.assigned');
      const eventTypes = options.events.split(',').map((type) => type.trim()).filter(Boolean);
      const created = expectOk(
        await (await context.api()).addWebhook({ url, eventTypes, ...(options.description ? { description: options.description } : {}) }),
        `Registering ${url}`,
      );
      io.out(`webhook ${String(created.id)} registered for ${eventTypes.join(', ')}`);
      io.out(`signing secret (${SECRET_NOTE}): ${String(created.secret)}`);
    });

  webhooks
    .command('list')
    .description('every endpoint, oldest first (never a secret)')
    .action(async () => {
      const api = await context.api();
      const hooks = await everyItem<{ id: string; url: string; eventTypes: string[]; createdAt: string; description?: string }>((cursor) => api.listWebhooks(cursor), 'Listing webhooks');
      io.out(hooks.length ? hooks.map((hook) => `${hook.id}  ${hook.url}  ${hook.eventTypes.join(',')}  ${hook.createdAt}${hook.description ? `  ${hook.description}` : ''}`).join('\n') : 'no webhooks');
    });

  webhooks
    .command('choices')
    .description("the endpoints as a journey's webhook step picks them: id, host, event types (never the URL's path or query, nor a secret); what marketers may list")
    .action(async () => {
      const api = await context.api();
      const choices = await everyItem<{ id: string; host: string; eventTypes: string[]; description?: string }>((cursor) => api.listWebhookChoices(cursor), 'Listing webhook choices');
      io.out(choices.length ? choices.map((choice) => `${choice.id}  ${choice.host}  ${choice.eventTypes.join(',')}${choice.description ? `  ${choice.description}` : ''}`).join('\n') : 'no webhooks');
    });

  webhooks
    .command('rotate')
    .description('a new signing secret (printed once); the old one also signs for 24 h or the hours given')
    .argument('<webhookId>')
    .option('--overlap-hours <0-168>', 'how long the old secret also signs (default 24)')
    .action(async (webhookId: string, options: { overlapHours?: string }) => {
      const rotation = options.overlapHours === undefined ? {} : { overlapHours: Number(options.overlapHours) };
      const rotated = expectOk(await (await context.api()).rotateWebhookSecret(webhookId, rotation), `Rotating the secret of webhook ${webhookId}`);
      io.out(`new signing secret (${SECRET_NOTE}): ${String(rotated.secret)}`);
      io.out(rotated.previousSecretUntil ? `the old secret also signs until ${String(rotated.previousSecretUntil)}` : 'the old secret no longer signs');
    });

  webhooks
    .command('remove')
    .description('stop delivering to an endpoint')
    .argument('<webhookId>')
    .action(async (webhookId: string) => {
      expectOk(await (await context.api()).removeWebhook(webhookId), `Removing webhook ${webhookId}`);
      io.out(`webhook ${webhookId} removed`);
    });
}
