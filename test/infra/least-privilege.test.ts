import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { manifest } from '../../manifest/manifest';
import { INDEX_PARTITIONS, isOfKind, ITEM_KINDS } from '../../manifest/table';
import { allows, tableGrants } from '../../manifest/table-grants';
import { defaultTemplateApp } from './template-app';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: { readonly 'ForAllValues:StringLike'?: { readonly 'dynamodb:LeadingKeys'?: string[] } };
}

let resources: Resources;
let tableId: string;

beforeAll(() => {
  // Template assertions need no function code: bundling is skipped.
  const { stack } = defaultTemplateApp();
  resources = Template.fromStack(stack).toJSON().Resources as Resources;
  tableId = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::DynamoDB::GlobalTable')?.[0] ?? '';
}, 120_000);

const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
const actionsOf = (statement: Statement) => [statement.Action].flat();

/** The statements of a function's role policy. */
function statementsOf(name: string): Statement[] {
  const role = `${pascal(name)}FunctionServiceRole`;
  const policy = Object.values(resources).find((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes(`"${role}`));
  return ((policy?.Properties.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? []);
}

const dynamoStatementsOf = (name: string) => statementsOf(name).filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));
const dynamoActionsOf = (name: string) => new Set(dynamoStatementsOf(name).flatMap(actionsOf));
const leadingKeysOf = (name: string) => new Set(dynamoStatementsOf(name).flatMap((statement) => statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? []));
/** The LeadingKeys patterns of the statements that allow `action` on the table (not an index). */
const tableKindsFor = (name: string, action: string) =>
  dynamoStatementsOf(name)
    .filter((statement) => actionsOf(statement).includes(action) && !JSON.stringify(statement.Resource).includes('/index/'))
    .flatMap((statement) => statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? [])
    .sort();

describe('table grants follow the manifest', () => {
  it.each(manifest.functions.map((spec) => [spec.name, spec] as const))('%s: one statement per access list, on the table or its index, bounded by LeadingKeys', (_name, spec) => {
    const expected = tableGrants(spec.table).map((grant) => ({
      actions: [...grant.actions].sort(),
      resource: grant.index ? { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, `/index/${grant.index}`]] } : { 'Fn::GetAtt': [tableId, 'Arn'] },
      leadingKeys: [...grant.leadingKeys],
    }));
    const actual = dynamoStatementsOf(spec.name).map((statement) => ({
      actions: actionsOf(statement).sort(),
      resource: statement.Resource,
      leadingKeys: statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'],
    }));
    expect(actual).toEqual(expected);
  });

  it('never grants Scan, a wildcard index, or table access without a LeadingKeys condition', () => {
    for (const spec of manifest.functions) {
      for (const statement of dynamoStatementsOf(spec.name)) {
        expect(actionsOf(statement), spec.name).not.toContain('dynamodb:Scan');
        expect(actionsOf(statement).some((action) => action.includes('*')), spec.name).toBe(false);
        expect(JSON.stringify(statement.Resource), spec.name).not.toContain('/index/*');
        expect(statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']?.length, spec.name).toBeGreaterThan(0);
      }
    }
  });

  it('gives the table name only to functions with table access', () => {
    for (const spec of manifest.functions) {
      const fn = Object.entries(resources).find(([id, resource]) => resource.Type === 'AWS::Lambda::Function' && id.startsWith(`${pascal(spec.name)}Function`));
      const variables = (fn?.[1].Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect('TABLE_NAME' in variables, spec.name).toBe(spec.table !== undefined);
    }
  });
});

describe('public functions', () => {
  const publicFunctions = ['capture-form', 'show-forms', 'ingest-events', 'capture-chat', 'collect-events', 'preference-centre', 'api-docs', 'serve-snippet', 'customer-feedback', 'receive-help-desk-tickets'];

  it('are exactly the functions behind public routes', () => {
    expect(manifest.functions.filter((spec) => spec.trigger.kind === 'http' && spec.trigger.audience === 'public').map((spec) => spec.name).sort()).toEqual([...publicFunctions].sort());
  });

  it.each(publicFunctions)('%s cannot delete, batch-write or scan, and reaches no webhook, ruleset, suppression, routing, settings, segment or template item', (name) => {
    const actions = dynamoActionsOf(name);
    for (const action of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) expect(actions.has(action), action).toBe(false);
    const reachable = [...leadingKeysOf(name)];
    for (const forbidden of ['WEBHOOK#', 'RULESET', 'SUPPRESSED#', 'ROUTING', 'SETTINGS', 'SEGMENT#', 'TEMPLATE#', 'RESCORE#', 'ORDER#', 'SEND_RATE', 'SOURCE#']) {
      expect(reachable.filter((pattern) => pattern.startsWith(forbidden)), forbidden).toEqual([]);
    }
    expect(dynamoStatementsOf(name).some((statement) => JSON.stringify(statement.Resource).includes('/index/')), 'no index query').toBe(false);
  });

  it('write only their own item kinds', () => {
    expect(tableKindsFor('capture-form', 'dynamodb:PutItem')).toEqual(['ANON#*', 'EMAIL#*', 'LEAD#*']);
    expect(tableKindsFor('ingest-events', 'dynamodb:PutItem')).toEqual(['ANON#*', 'EMAIL#*', 'LEAD#*']);
    // Its claims of deliveries, never a chat source's settings or secret.
    expect(tableKindsFor('capture-chat', 'dynamodb:PutItem')).toEqual(['ANON#*', 'CHAT_DELIVERY#*', 'EMAIL#*', 'LEAD#*']);
    // The collector reads a write key by its exact key and can change no key or source.
    expect(tableKindsFor('collect-events', 'dynamodb:PutItem')).toEqual(['ANON#*', 'EMAIL#*', 'LEAD#*']);
    expect(tableKindsFor('collect-events', 'dynamodb:GetItem')).toContain('WRITEKEY#*');
    expect(tableKindsFor('preference-centre', 'dynamodb:UpdateItem')).toEqual(['CAMPAIGN#*', 'LEAD#*']);
    // The form pages read the form's definition and write nothing.
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem']) expect(dynamoActionsOf('show-forms').has(write), write).toBe(false);
    expect(tableKindsFor('show-forms', 'dynamodb:GetItem')).toEqual(['FORM#*']);
    expect(dynamoActionsOf('api-docs').size).toBe(0);
    expect(dynamoActionsOf('serve-snippet').size).toBe(0);
  });
});

describe('chat sources', () => {
  it('are read only by the functions that verify or manage them: their sealed secrets stay out of every other role', () => {
    const readers = manifest.functions.filter((spec) => tableKindsFor(spec.name, 'dynamodb:GetItem').includes('CHAT#*')).map((spec) => spec.name);
    expect(readers.sort()).toEqual(['capture-chat', 'manage-chat-sources']);
    expect(tableKindsFor('capture-chat', 'dynamodb:UpdateItem')).not.toContain('CHAT#*');
  });
});

describe('tracking sources', () => {
  it('are written only by manage-sources, an admin function', () => {
    const writers = manifest.functions.filter((spec) => tableKindsFor(spec.name, 'dynamodb:PutItem').some((kind) => kind === 'SOURCE#*' || kind === 'WRITEKEY#*')).map((spec) => spec.name);
    expect(writers).toEqual(['manage-sources']);
    expect(tableKindsFor('manage-sources', 'dynamodb:PutItem')).toEqual(['SOURCE#*', 'WRITEKEY#*']);
  });
});

describe('deletes', () => {
  it('are granted only where the code deletes: claims given back, lifts, webhook and segment removal, visitor events moved to their lead, kept pages unlisted', () => {
    const deleters = Object.fromEntries(manifest.functions.filter((spec) => dynamoActionsOf(spec.name).has('dynamodb:DeleteItem')).map((spec) => [spec.name, tableKindsFor(spec.name, 'dynamodb:DeleteItem')]));
    expect(deleters).toEqual({
      'manage-suppressions': ['SUPPRESSED#*'],
      'manage-segments': ['SEGMENT#*'],
      'manage-webhooks': ['WEBHOOK#*'],
      'manage-chat-sources': ['CHAT#*'],
      'send-campaign': ['CAMPAIGN#*'],
      'deliver-webhooks': ['WEBHOOK#*'],
      'alert-sales': ['LEAD#*'],
      'follow-up-handoff': ['LEAD#*'],
      'score-lead': ['ANON#*'],
      'watch-customers': ['LEAD#*'],
      'send-surveys': ['LEAD#*'],
      // A page's listing, once the page is published: the planners' own partition, nothing of a lead's.
      'plan-campaign': ['KEPT_PAGES'],
      'plan-rescoring': ['KEPT_PAGES'],
    });
  });

  it('in batches only for erasure and its sweep, over every kind that names a lead', () => {
    const batchWriters = manifest.functions.filter((spec) => dynamoActionsOf(spec.name).has('dynamodb:BatchWriteItem')).map((spec) => spec.name);
    expect(batchWriters.sort()).toEqual(['finish-erasures', 'lead-data-rights']);
    expect(tableKindsFor('lead-data-rights', 'dynamodb:BatchWriteItem')).toEqual(['ANON#*', 'CAMPAIGN#*', 'EMAIL#*', 'LEAD#*', 'ORDER#*', 'REQUESTER#*', 'RESCORE#*']);
    // The sweep finds what it deletes by the lead's id alone: no address or visitor links, which the erasure deleted.
    expect(tableKindsFor('finish-erasures', 'dynamodb:BatchWriteItem')).toEqual(['CAMPAIGN#*', 'LEAD#*', 'ORDER#*', 'REQUESTER#*', 'RESCORE#*']);
  });
});

describe('item kinds', () => {
  // One sample of every key builder in keys.ts: a builder whose partition no kind names could not be granted.
  const tableKeys = [
    keys.lead('l'), keys.score('l'), keys.email('a@b.c'), keys.anonymousLink('v'), keys.event({ kind: 'lead', id: 'l' }, 't', 'e'), keys.event({ kind: 'anonymous', id: 'v' }, 't', 'e'), keys.submission('l', 'e'), keys.consent('l', 't', 's', 'r'), keys.alert('l', 'v1', 1),
    keys.ruleset('v1'), keys.activeRuleset(), keys.rescoreJob('j'), keys.leadRescored('j', 'l'), keys.suppression('h'), keys.softBounces('h'),
    keys.suppressionLifted('h', 't'), keys.campaign('c'), keys.campaignSend('c', 'l'), keys.legacyCampaignSend('c', 'l'), keys.campaignPlan('c'), keys.campaignPlanPage('c', 'p'), keys.rescorePage('j', 'p'), keys.keptPageListing(keys.campaignPlanPage('c', 'p')), keys.campaignIdEntry('c'), keys.campaignCounter('c', 0), keys.segment('s'), keys.sendRateWindow(1), keys.template('t'),
    keys.templateVersion('t', 1), keys.purchase('o'), keys.assignment('l', 'v1', 1), keys.routingConfig(), keys.teamRoundRobin('t'), keys.repLoad('r'),
    keys.followUp('l', 'v1', 1, 0, 'remind'), keys.webhook('w'), keys.webhookDelivery('w', 'e'), keys.stageTransition('l', 't', 1), keys.appliedOnce('l', 'k'), keys.salesReasons(),
    keys.chatSource('s'), keys.chatDelivery('s', 'h'),
    keys.source('s'), keys.writeKey('wk_k'),
    keys.ticket('l', 't'), keys.surveySend('l', 's'), keys.customerAlert('l', 't', 'e'), keys.careSettings(), keys.riskFormula(), keys.riskFormulaVersion(1), keys.lifespans(), keys.helpDesk(), keys.helpDeskRequester('zendesk', 'r'),
  ];
  const gsi1Keys = [
    keys.leadListing('a1'), keys.rulesetListing('t', 'v1'),
    keys.suppressionListing('t', 'h'), keys.campaignListing('t', 'c'), keys.sendsOfLead('l', 'c'), keys.segmentListing('t', 's'), keys.templateListing('t', 't'),
    keys.purchasesOfLead('l', 't', 'o'), keys.webhookListing('t', 'w'), keys.transitionMonth('2026-11-30T00:00:00.000Z', 'l'),
    keys.chatSourceListing('t', 's'),
    keys.sourceListing('t', 's'),
    keys.ticketMonth('2026-11-30T00:00:00.000Z', 'l', 't'), keys.answerMonth('2026-11-30T00:00:00.000Z', 'l'), keys.requestersOfLead('l', 'zendesk', 'r'),
  ];

  it('name every partition of the table exactly once', () => {
    for (const { pk } of tableKeys) expect(ITEM_KINDS.filter((kind) => isOfKind(pk, kind)), pk).toHaveLength(1);
  });

  it('name every partition of each index exactly once', () => {
    for (const { gsi1pk } of gsi1Keys) expect(INDEX_PARTITIONS.gsi1.filter((kind) => isOfKind(gsi1pk, kind)), gsi1pk).toHaveLength(1);
  });

  it('match by prefix only where the kind ends in #', () => {
    const access = { read: ['RULESET', 'ROUTING#REP#'], query: { gsi1: ['CAMPAIGNS'] } } as const;
    expect(allows(access, 'read', 'RULESET')).toBe(true);
    expect(allows(access, 'read', 'RULESET#v1')).toBe(false);
    expect(allows(access, 'read', 'ROUTING#REP#r1')).toBe(true);
    expect(allows(access, 'read', 'ROUTING')).toBe(false);
    expect(allows(access, 'write', 'RULESET')).toBe(false);
    expect(allows(access, 'read', 'CAMPAIGNS', 'gsi1')).toBe(true);
    expect(allows(access, 'read', 'CAMPAIGNS')).toBe(false);
  });
});
