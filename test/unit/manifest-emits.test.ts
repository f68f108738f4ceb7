import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consumedDetailTypes, eventFlows } from '../../manifest/event-flow';
import { manifest } from '../../manifest/manifest';
import type { FunctionSpec } from '../../manifest/types';
import { DetailType } from '../../src/domain/events';
import { EmissionScanner, emitsMismatches } from './emitted-events';

const root = resolve(import.meta.dirname, '../..');
const scanner = new EmissionScanner(root);
const spec = (name: string): FunctionSpec => {
  const found = manifest.functions.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no function ${name} in the manifest`);
  return found;
};

describe("the manifest's emits agree with the code", () => {
  it('every function lists exactly the detail types its code publishes or schedules', () => {
    expect(emitsMismatches(manifest.functions, scanner)).toEqual([]);
  });

  it('a function that emits may put events on the bus or schedule them, and one that may do either emits', () => {
    const mayEmit = (fn: FunctionSpec) => fn.access.includes('bus:put') || fn.access.includes('scheduler:manage');
    const disagreeing = manifest.functions.filter((fn) => mayEmit(fn) !== Boolean(fn.emits?.length)).map((fn) => fn.name);
    expect(disagreeing).toEqual([]);
  });

  it("every detail type a function's rule consumes has an emitter, and every emitted one a consumer", () => {
    const emitted = new Set<string>(manifest.functions.flatMap((fn) => fn.emits ?? []));
    const consumed = new Set(manifest.functions.flatMap(consumedDetailTypes));
    expect([...consumed].filter((type) => !emitted.has(type))).toEqual([]);
    expect([...emitted].filter((type) => !consumed.has(type))).toEqual([]);
  });

  it("every consumer of leadflow's events parses exactly the detail types its rule delivers", () => {
    const consumers = manifest.functions.filter((fn) => consumedDetailTypes(fn).length > 0);
    const parsing = Object.fromEntries(consumers.map((fn) => [fn.name, scanner.parsedBy(fn.entry)]));
    expect(parsing).toEqual(Object.fromEntries(consumers.map((fn) => [fn.name, [...consumedDetailTypes(fn)].sort()])));
  });

  it("the README's table of bus events is the manifest's", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Bus events')).split(/\n#{2,3} /)[0] ?? '';
    // The rows after the header and its separator line.
    const table = section.split('\n').filter((line) => line.startsWith('|')).slice(2);
    const names = (functions: readonly string[]) => functions.map((name) => `\`${name}\``).join(', ');
    const rows = eventFlows(manifest).map((flow) => `| \`${flow.detailType}\` | ${names(flow.emittedBy)} | ${names(flow.consumedBy)} |`);
    expect(table).toEqual(rows);
  });
});

describe('the emits check', () => {
  it('fails for a detail type the code builds but the entry does not list, naming where it is built', () => {
    const alertSales = spec('alert-sales');
    expect(emitsMismatches([{ ...alertSales, emits: [DetailType.LeadAssigned] }], scanner)).toEqual([
      expect.stringMatching(/^alert-sales emits handoff\.follow-up-requested \(built at src\/app\/follow-up-timers\.ts:\d+\) but its manifest entry does not list it in emits$/),
    ]);
  });

  it('fails for a listed detail type the code never builds', () => {
    const alertSales = spec('alert-sales');
    const wrong = { ...alertSales, emits: [...(alertSales.emits ?? []), DetailType.CampaignSendDue] };
    expect(emitsMismatches([wrong], scanner)).toEqual(['alert-sales lists campaign.send-due in emits but its code never publishes or schedules it']);
  });

  it('fails for a publishing function whose entry has no emits at all', () => {
    const { emits: _, ...ingestEvents } = spec('ingest-events');
    expect(emitsMismatches([ingestEvents], scanner)).toEqual([
      expect.stringMatching(/^ingest-events emits engagement\.recorded \(built at src\/app\/event-intake\.ts:\d+\) but/),
    ]);
  });
});

describe('the emission scanner', () => {
  const fixture = mkdtempSync(join(tmpdir(), 'emissions-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));
  const write = (path: string, source: string) => {
    mkdirSync(dirname(join(fixture, path)), { recursive: true });
    writeFileSync(join(fixture, path), source);
  };
  write(
    'src/publishers.ts',
    [
      "import { DetailType } from './events';",
      'export const qualified = () => ({ detailType: DetailType.LeadQualified, detail: {} });',
      "export const assigned = () => ({ detailType: 'lead.assigned', detail: {} });",
      'export class Scheduler { schedule() { return { detailType: DetailType.FollowUpDue }; } }',
      'const helper = () => ({ detailType: DetailType.LeadStageChanged });',
      'export const staged = () => helper();',
      // A property named like a detail type's field elsewhere is no event.
      "export const unrelated = () => ({ 'detail-type': DetailType.LeadIdentified, type: DetailType.LeadIdentified });",
    ].join('\n'),
  );
  write('src/index.ts', "export { staged as stageChanged } from './publishers';");
  const scan = (handler: string) => {
    write('functions/fake/handler.ts', handler);
    return new EmissionScanner(fixture).emissionsOf('functions/fake/handler.ts').map((emission) => emission.detailType);
  };

  it('counts only the declarations the handler reaches, through helpers and re-exports', () => {
    expect(scan("import { qualified } from '../../src/publishers';\nexport const handler = () => qualified();")).toEqual([DetailType.LeadQualified]);
    expect(scan("import { stageChanged } from '../../src';\nexport const handler = () => stageChanged();")).toEqual([DetailType.LeadStageChanged]);
    expect(scan("import * as publishers from '../../src/publishers';\nexport const handler = () => publishers.assigned();").sort()).toEqual(
      [DetailType.LeadQualified, DetailType.LeadAssigned, DetailType.FollowUpDue, DetailType.LeadStageChanged].sort(),
    );
  });

  it('finds a detail type written as its string and one built inside a class', () => {
    expect(scan("import { assigned, Scheduler } from '../../src/publishers';\nexport const handler = () => [assigned(), new Scheduler()];").sort()).toEqual(
      [DetailType.LeadAssigned, DetailType.FollowUpDue].sort(),
    );
  });

  it('finds the detail types a consumer parses, named by DetailType or by their string', () => {
    write('functions/consumer/handler.ts', [
      "import { leadflowBusEvent } from '../../src/adapters/bus-events';",
      "import { DetailType, FollowUpDueDetail, LeadQualifiedDetail, LeadAssignedDetail } from '../../src/domain/events';",
      'const One = leadflowBusEvent({ [DetailType.LeadQualified]: LeadQualifiedDetail, [DetailType.FollowUpDue]: FollowUpDueDetail });',
      "const Other = leadflowBusEvent({ 'lead.assigned': LeadAssignedDetail });",
      'export const handler = () => [One, Other];',
    ].join('\n'));
    expect(new EmissionScanner(fixture).parsedBy('functions/consumer/handler.ts')).toEqual([DetailType.LeadQualified, DetailType.FollowUpDue, DetailType.LeadAssigned].sort());
  });

  it('ignores types, unused imports and properties that are not a detail type', () => {
    const handler = [
      "import type { Scheduler } from '../../src/publishers';",
      "import { qualified, unrelated } from '../../src/publishers';",
      'export const handler = (scheduler: Scheduler) => [unrelated(), scheduler];',
    ].join('\n');
    expect(scan(handler)).toEqual([]);
  });
});
