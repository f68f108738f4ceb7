import type { Command } from 'commander';
import { expectOk, everyItem } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';

interface SourceView {
  id: string;
  name: string;
  origins: string[];
  writeKey?: string;
  keys: { writeKey: string; valid: boolean; validUntil?: string; revokedAt?: string }[];
}

const keyState = (key: SourceView['keys'][number]) => (key.revokedAt ? `revoked ${key.revokedAt}` : !key.valid ? `expired ${key.validUntil ?? ''}` : key.validUntil ? `valid until ${key.validUntil}` : 'current');

/** Origins as given on the command line: separated by commas. */
const originsIn = (given: string) => given.split(',').map((origin) => origin.trim()).filter(Boolean);

/** `leadflow sources add | update | list | rotate | revoke`: the websites that send tracking calls, and their write keys. */
export function registerSources(program: Command, context: CommandContext): void {
  const { io } = context;
  const sources = commandGroup(program, 'sources', 'websites sending tracking calls (analytics.js, leadflow.js) and their write keys');

  sources
    .command('add')
    .description('add a website; prints its write key for the snippet (a public identifier, bound to the origins)')
    .argument('<name>', 'what the source is, e.g. "Marketing site"')
    .option('--origins <origin,...>', 'the origins whose pages may send, e.g. https://www.example.com,https://example.com (required)')
    .action(async (name: string, options: { origins?: string }) => {
      if (!options.origins) throw new CliError('sources add needs a name and --origins, e.g. sources add "Marketing site" --origins https://www.example.com');
      const source = expectOk(await (await context.api()).addSource({ name, origins: originsIn(options.origins) }), `Adding source ${name}`) as unknown as SourceView;
      io.out(`source ${source.id} added for ${source.origins.join(', ')}`);
      io.out(`write key: ${source.writeKey ?? ''}`);
    });

  sources
    .command('update')
    .description('rename a source or replace its origins; its write keys and snippet stay')
    .argument('<sourceId>')
    .option('--name <name>', 'its new name')
    .option('--origins <origin,...>', 'every origin whose pages may send from now on (replaces the list)')
    .action(async (sourceId: string, options: { name?: string; origins?: string }) => {
      if (options.name === undefined && options.origins === undefined) throw new CliError('sources update needs --name, --origins or both, e.g. sources update <sourceId> --origins https://www.example.com,https://shop.example.com');
      const api = await context.api();
      const current = (await everyItem<SourceView>((cursor) => api.listSources(cursor), 'Listing sources')).find((source) => source.id === sourceId);
      if (!current) throw new CliError(`No source ${sourceId} (sources list shows them)`);
      const origins = options.origins === undefined ? current.origins : originsIn(options.origins);
      const source = expectOk(await api.updateSource(sourceId, { name: options.name ?? current.name, origins }), `Updating source ${sourceId}`) as unknown as SourceView;
      io.out(`source ${source.id} (${source.name}) now takes calls from ${source.origins.join(', ')}`);
    });

  sources
    .command('list')
    .description('every source, oldest first, with its keys and whether each works')
    .action(async () => {
      const api = await context.api();
      const all = await everyItem<SourceView>((cursor) => api.listSources(cursor), 'Listing sources');
      io.out(
        all.length
          ? all.map((source) => [`${source.id}  ${source.name}  ${source.origins.join(',')}`, ...source.keys.map((key) => `  ${key.writeKey}  ${keyState(key)}`)].join('\n')).join('\n')
          : 'no sources',
      );
    });

  sources
    .command('rotate')
    .description('a new write key; the old one keeps working for 24 h or the hours given (0: stops at once)')
    .argument('<sourceId>')
    .option('--grace-hours <0-720>', 'how long the old key keeps working (default 24)')
    .action(async (sourceId: string, options: { graceHours?: string }) => {
      const rotation = options.graceHours === undefined ? {} : { graceHours: Number(options.graceHours) };
      const source = expectOk(await (await context.api()).rotateSourceKey(sourceId, rotation), `Rotating the key of source ${sourceId}`) as unknown as SourceView;
      io.out(`new write key: ${source.writeKey ?? ''}`);
      for (const key of source.keys.filter((key) => key.writeKey !== source.writeKey)) io.out(`  ${key.writeKey}  ${keyState(key)}`);
    });

  sources
    .command('revoke')
    .description('stop a write key at once (calls with it get 401 and are not stored); every key of the source without --key')
    .argument('<sourceId>')
    .option('--key <writeKey>', 'the one key to revoke')
    .action(async (sourceId: string, options: { key?: string }) => {
      const source = expectOk(await (await context.api()).revokeSourceKeys(sourceId, options.key ? { writeKey: options.key } : {}), `Revoking keys of source ${sourceId}`) as unknown as SourceView;
      io.out(options.key ? `write key ${options.key} revoked` : `every write key of source ${source.id} revoked`);
    });
}
