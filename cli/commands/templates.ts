import type { Command } from 'commander';
import { checkTemplateFields } from '../../src/domain/campaigns/template';
import { expectOk, everyItem } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { fileProblems, readTextFile } from '../files';

/** The parts of a template `templates show` prints, as push takes them (the HTML file, --text, --subject). */
const TEMPLATE_PARTS: readonly string[] = ['html', 'text', 'subject'];

/** `leadflow templates push | list | show | test`: versioned email templates. */
export function registerTemplates(program: Command, context: CommandContext): void {
  const { io } = context;
  const templates = commandGroup(program, 'templates', 'versioned email templates');

  templates
    .command('push')
    .description('create a template, or add a version to --id; prints its id and version')
    .argument('<file.html>', 'the HTML body')
    .option('--name <name>', 'the template name (required)')
    .option('--subject <subject>', 'the subject line (required)')
    .option('--text <file.txt>', 'a plain-text body')
    .option('--id <templateId>', 'add a version to this template instead of creating one')
    .action(async (file: string, options: { name?: string; subject?: string; text?: string; id?: string }) => {
      if (!options.name || !options.subject) throw new CliError('templates push needs --name and --subject');
      const template = { name: options.name, subject: options.subject, html: await readTextFile(file), ...(options.text ? { text: await readTextFile(options.text) } : {}) };
      // Checked here first, so a typo in a field is found before anything is sent.
      const issues = checkTemplateFields(template);
      if (issues.length) throw fileProblems(file, issues.map((issue) => ({ at: issue.part, message: issue.message })));
      const api = await context.api();
      const saved = options.id
        ? expectOk(await api.addTemplateVersion(options.id, template), `Adding a version to template ${options.id}`)
        : expectOk(await api.createTemplate(template), `Creating template ${options.name}`);
      io.out(`template ${String(saved.templateId)} version ${String(saved.version)}${saved.created === false ? ' (unchanged: same content as the latest version)' : ''}`);
    });

  templates
    .command('list')
    .description('every template, most recently changed first, with its latest version')
    .action(async () => {
      const api = await context.api();
      const templates = await everyItem<{ templateId: string; name: string; latestVersion: number; updatedAt: string }>((cursor) => api.listTemplates(cursor), 'Listing templates');
      for (const template of templates) io.out(`${template.templateId}  ${template.name.padEnd(30)} v${String(template.latestVersion).padEnd(5)} ${template.updatedAt}`);
    });

  templates
    .command('show')
    .description('one part of a template (the latest version, or --version) as it is stored: the HTML to keep as the file push takes, its text part, or its subject')
    .argument('<templateId>', 'the template')
    .option('--version <n>', 'this version (the latest otherwise)')
    .option('--part <part>', 'html (default), text or subject')
    .action(async (templateId: string, options: { version?: string; part?: string }) => {
      const part = options.part ?? 'html';
      if (!TEMPLATE_PARTS.includes(part)) throw new CliError(`--part must be one of ${TEMPLATE_PARTS.join(', ')}; got ${part}`);
      const template = expectOk(await (await context.api()).getTemplate(templateId, options.version === undefined ? undefined : Number(options.version)), `Reading template ${templateId}`);
      if (template[part] === undefined) throw new CliError(`Template ${templateId} version ${String(template.version)} has no ${part} part`);
      // A line is printed with its newline, so a part that ends with one (as files do) is not given a second.
      io.out(String(template[part]).replace(/\n$/, ''));
    });

  templates
    .command('test')
    .description('send a template, marked [Test], to up to 5 addresses (not recorded or tracked; its unsubscribe link changes nothing; suppressed addresses are skipped)')
    .argument('<templateId>', 'the template')
    .option('--to <addresses>', 'comma-separated addresses, at most 5 (required)')
    .option('--lead <leadId>', 'personalise with this lead (the fallbacks otherwise)')
    .option('--version <n>', 'this version (the latest otherwise)')
    .option('--subscription <type>', 'the subscription type whose footer it carries (newsletter otherwise; `leadflow settings subscription-types get` lists them)')
    .action(async (templateId: string, options: { to?: string; lead?: string; version?: string; subscription?: string }) => {
      const to = (options.to ?? '').split(',').map((address) => address.trim()).filter(Boolean);
      if (!to.length) throw new CliError('templates test needs --to with at least one address');
      const subscription = options.subscription;
      const request = { to, ...(options.lead ? { leadId: options.lead } : {}), ...(options.version ? { version: Number(options.version) } : {}), ...(subscription ? { subscription } : {}) };
      const api = await context.api();
      const queued = expectOk(await api.testTemplate(templateId, request), `Test-sending template ${templateId}`);
      io.out(`test of template ${templateId} version ${String(queued.version)} queued for ${to.length} address(es)`);
    });
}
