import type { Command } from 'commander';
import type { AudiencePreview } from '../../src/api/responses';
import { SegmentDefinition } from '../../src/domain/segments/segment';
import { expectOk, everyItem } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { asDataFile, readCheckedFile } from '../files';

const SEGMENT_ID = /^[0-9a-f-]{36}$/i;

/** Reads a segment file and refuses it, every problem with its path, before anything is sent. */
const validSegment = (file: string): Promise<SegmentDefinition> => readCheckedFile(file, SegmentDefinition, '(segment)');

/** `1240 leads in the segment (all 52000 leads read)` and the sample, one address a line. */
export function formatAudience(audience: AudiencePreview, where = 'in the segment'): string {
  const scope = audience.complete ? `all ${audience.leadsScanned} leads read` : `among the first ${audience.leadsScanned} leads read; stopped at the preview's limit`;
  return [`${audience.count} leads ${where} (${scope})`, ...audience.sample.map((member) => `  ${member.email}  ${member.leadId}`)].join('\n');
}

/** `leadflow segments push | preview | list | show`: saved audiences. */
export function registerSegments(program: Command, context: CommandContext): void {
  const { io } = context;
  const segments = commandGroup(program, 'segments', 'segments: audiences over profile, score, behaviour and purchases');

  segments
    .command('push')
    .description('save a segment (checked offline first), or a new version of --id')
    .argument('<file>', 'the segment, YAML or JSON')
    .option('--id <segmentId>', 'save as the next version of this segment')
    .action(async (file: string, options: { id?: string }) => {
      const segment = await validSegment(file);
      const api = await context.api();
      const saved = options.id
        ? expectOk(await api.saveSegmentVersion(options.id, segment), `Saving a new version of segment ${options.id}`)
        : expectOk(await api.createSegment(segment), `Saving segment ${segment.name}`);
      io.out(`segment ${String(saved.id)} version ${String(saved.version)}${saved.created === false ? ' (unchanged: same definition as the latest version)' : ''}`);
    });

  segments
    .command('preview')
    .description('how many leads are in it now, and a sample')
    .argument('<segmentId|file>', 'a saved segment, or a file to try before saving it')
    .option('--subscription <type>', 'count only leads subscribed to this type')
    .action(async (target: string, options: { subscription?: string }) => {
      const api = await context.api();
      let answer: Record<string, unknown>;
      if (SEGMENT_ID.test(target)) answer = expectOk(await api.previewSegment(target, options.subscription), `Previewing segment ${target}`);
      else {
        const { where, history } = await validSegment(target);
        const rule = { ...(where ? { where } : {}), ...(history ? { history } : {}), ...(options.subscription ? { subscription: options.subscription } : {}) };
        answer = expectOk(await api.previewSegmentDefinition(rule), `Previewing ${target}`);
      }
      io.out(formatAudience(answer.audience as AudiencePreview));
    });

  segments
    .command('list')
    .description('every saved segment, newest first, with its version')
    .action(async () => {
      const api = await context.api();
      const segments = await everyItem<{ id: string; name: string; version: number; updatedAt: string }>((cursor) => api.listSegments(cursor), 'Listing segments');
      for (const segment of segments) io.out(`${segment.id}  ${segment.name.padEnd(30)} v${String(segment.version).padEnd(5)} ${segment.updatedAt}`);
    });

  segments
    .command('show')
    .description('a saved segment as a file, to keep and push back with --id')
    .argument('<segmentId>')
    .action(async (segmentId: string) => {
      // What the API adds to the definition is the segment's, not the file's.
      const { id: _id, version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...definition } = expectOk(await (await context.api()).getSegment(segmentId), `Reading segment ${segmentId}`);
      io.out(asDataFile(definition, SegmentDefinition));
    });
}
