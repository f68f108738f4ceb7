import { Command } from 'commander';
import { apiClient, bearerToken } from '../src/api/client';
import { sigV4 } from '../src/api/sigv4';
import { adminApiOverClient } from './admin-api';
import { explainedFetch, resolveAuth } from './api-auth';
import { CliError } from './errors';
import { type CliIo, type CommandContext, actAsGroup } from './command-context';
import { registerCampaigns } from './commands/campaigns';
import { registerJourneys } from './commands/journeys';
import { registerCare } from './commands/care';
import { registerDlq } from './commands/dlq';
import { registerForms } from './commands/forms';
import { registerLeads } from './commands/leads';
import { registerMigrate } from './commands/migrate';
import { registerPurchases } from './commands/purchases';
import { registerReports } from './commands/reports';
import { registerRouting } from './commands/routing';
import { registerRules } from './commands/rules';
import { registerSegments } from './commands/segments';
import { registerSettings } from './commands/settings';
import { registerSources } from './commands/sources';
import { registerTemplates } from './commands/templates';
import { registerUsers } from './commands/users';
import { registerWebhooks } from './commands/webhooks';
import { registerChatSources } from './commands/chat-sources';

const DEFAULT_API_URL = 'http://localhost:3000';

const ROOT_HELP_FOOTER = `
Every command has its own help: leadflow <group> <command> --help.
Auth: locally the token in .leadflow/dev-token (or $LEADFLOW_DEV_TOKEN); in AWS, SigV4 with your AWS credentials.`;

/**
 * The `leadflow` command line: one group of commands per module in `commands/`. Commander exits
 * through exceptions here (exitOverride), so `main` turns every outcome into an exit code.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('leadflow')
    .description('leadflow from the terminal: rulesets, campaigns, journeys, templates, forms, segments, purchases, routing, customer care, tracking sources, webhooks, console users, chat sources, leads, reports, settings, dead-letter queues and data migrations')
    .option('--api <url>', `the leadflow API (default: $LEADFLOW_API_URL, else ${DEFAULT_API_URL})`)
    // Commands are listed by their usage line: `dlq show`, whose argument is optional to commander only
    // so that the command can list the DLQs to choose from when it is missing, shows it as required.
    .configureHelp({ subcommandTerm: (command) => `${command.name()} ${command.options.length ? command.usage() : command.usage().replace('[options]', '')}`.replace(/\s+/g, ' ').trim() })
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', ROOT_HELP_FOOTER)
    // `leadflow help <group>`, as well as `leadflow <group> --help`.
    .helpCommand(true);
  actAsGroup(program);

  /** The API's address: `--api`, else the variable (empty counts as unset), else the local stack's; one that is no http(s) URL is refused by where it came from. */
  const apiUrl = () => {
    const given = program.opts<{ api?: string }>().api;
    const [source, url] = given !== undefined ? ['--api', given] : io.env.LEADFLOW_API_URL ? ['LEADFLOW_API_URL', io.env.LEADFLOW_API_URL] : ['', DEFAULT_API_URL];
    if (!/^https?:$/.test(URL.parse(url)?.protocol ?? '')) throw new CliError(`${source} must be the API's http or https address, such as ${DEFAULT_API_URL}, not ${JSON.stringify(url)}`);
    return url;
  };
  const context: CommandContext = {
    io,
    apiUrl,
    api: async () => {
      const auth = await resolveAuth(apiUrl(), io.env, io.cwd);
      const authorise = auth.kind === 'token' ? bearerToken(auth.token) : sigV4(auth.region);
      return adminApiOverClient(apiClient({ baseUrl: apiUrl(), authorise, fetch: explainedFetch(io.fetch ?? fetch, auth, apiUrl(), io.cwd) }));
    },
  };
  for (const register of [registerRules, registerCampaigns, registerJourneys, registerTemplates, registerForms, registerSegments, registerPurchases, registerRouting, registerCare, registerSources, registerWebhooks, registerUsers, registerChatSources, registerLeads, registerReports, registerSettings, registerDlq, registerMigrate]) {
    register(program, context);
  }
  refuseExtraWords(program);
  return program;
}

/**
 * A word left over after a command's arguments is refused by commander ("too many arguments"), where
 * it was taken and ignored: `journeys enrol <journey> <lead> <lead>` enrolled the first lead only.
 * A group takes any words itself, so that it can name an unknown command; its commands inherit that.
 */
function refuseExtraWords(command: Command): void {
  for (const child of command.commands) {
    if (child.commands.length) refuseExtraWords(child);
    else child.allowExcessArguments(false);
  }
}
