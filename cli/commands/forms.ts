import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { FormDefinition, FormId, type FormDefinitionInput } from '../../src/domain/forms/definition';
import { fieldPath } from '../../src/http/errors';
import { expectOk, everyItem } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { asDataFile, fileProblems, readDataFile } from '../files';

/** `leadflow forms create | push | list | show`: web forms as versioned data. */
export function registerForms(program: Command, context: CommandContext): void {
  const { io } = context;
  const forms = commandGroup(program, 'forms', 'web forms as versioned data: hosted at /f/<formId>, embeddable, checked on submission');

  /** The form id (named, else the file's name) and its checked definition: every problem in the file is listed before anything is sent. */
  async function definitionIn(file: string, id: string | undefined): Promise<{ formId: string; definition: FormDefinitionInput }> {
    const formId = id ?? basename(file, extname(file));
    if (!FormId.safeParse(formId).success) throw new CliError(`form id "${formId}" must be 1-64 letters, digits, - or _ (name it with --id)`);
    const content = await readDataFile(file);
    const checked = FormDefinition.safeParse(content);
    if (!checked.success) throw fileProblems(file, checked.error.issues.map((issue) => ({ at: fieldPath(issue.path) || '(file)', message: issue.message })));
    return { formId, definition: content as FormDefinitionInput };
  }

  forms
    .command('create')
    .description('create a new form from a definition (JSON or YAML) as its version 1; refused when the id is taken')
    .argument('<file>', 'the definition: fields, consents, hidden fields, success, unknownFields, spam')
    .option('--id <formId>', "the new form's id (default: the file name without its extension)")
    .action(async (file: string, options: { id?: string }) => {
      const { formId, definition } = await definitionIn(file, options.id);
      const api = await context.api();
      const created = expectOk(await api.createForm(formId, definition), `Creating form ${formId}`);
      io.out(`form ${formId} created (version ${String(created.version)})`);
    });

  forms
    .command('push')
    .description('save a form definition (JSON or YAML) as the next version of the form (creating it if new); prints its id and version')
    .argument('<file>', 'the definition: fields, consents, hidden fields, success, unknownFields, spam')
    .option('--id <formId>', "the form's id (default: the file name without its extension)")
    .action(async (file: string, options: { id?: string }) => {
      const { formId, definition } = await definitionIn(file, options.id);
      const api = await context.api();
      const saved = expectOk(await api.saveForm(formId, definition), `Saving form ${formId}`);
      io.out(`form ${formId} version ${String(saved.version)}${saved.created === false ? ' (unchanged: same definition as the latest version)' : ''}`);
    });

  forms
    .command('list')
    .description('every form, most recently changed first, with its latest version')
    .action(async () => {
      const api = await context.api();
      const listed = await everyItem<{ formId: string; title: string; latestVersion: number; updatedAt: string }>((cursor) => api.listForms(cursor), 'Listing forms');
      for (const form of listed) io.out(`${form.formId.padEnd(24)} ${form.title.padEnd(30)} v${String(form.latestVersion).padEnd(5)} ${form.updatedAt}`);
    });

  forms
    .command('show')
    .description('a form\'s definition as a file (the latest version, or --version), to keep and push back')
    .argument('<formId>')
    .option('--version <n>', 'this version')
    .action(async (formId: string, options: { version?: string }) => {
      const stored = expectOk(await (await context.api()).getForm(formId, options.version === undefined ? undefined : Number(options.version)), `Reading form ${formId}`);
      io.out(asDataFile(stored.definition, FormDefinition));
    });
}
