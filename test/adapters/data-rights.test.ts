import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/adapters/alert-store';
import { DataRights } from '../../src/adapters/data-rights';
import * as keys from '../../src/adapters/keys';
import { addressOnlyLead, createLeadWrites } from '../../src/adapters/lead-items';
import { LeadStore } from '../../src/adapters/lead-store';
import { queryAll } from '../../src/adapters/query-pages';
import { transactWrite } from '../../src/adapters/transactions';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const AT = '2026-12-02T22:44:40.000Z';

const partitionItems = (pk: string) => queryAll(table.documents, { tableName: TABLE_NAME, key: pk }, (item) => item);

describe("a lead's erasure", () => {
  it('also deletes what work under way wrote under the lead after its holdings were read, and that work cannot put it back', async () => {
    const lead = addressOnlyLead('erased-meanwhile@example.com', { at: AT });
    await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.consent(lead.id, AT, 'newsletter', 'form'), entity: 'consent', leadId: lead.id } }));
    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    const holdings = (await rights.holdings(lead.id)) ?? expect.fail('the lead has holdings');

    // A qualification's alert claimed between the holdings' read and the deletes (as a busy stack did in CI).
    const alerts = new AlertStore(table.documents, TABLE_NAME, 60_000);
    const qualification = { leadId: lead.id, rulesetVersion: 'starter-1', qualification: 1 };
    const claim = await alerts.claim(qualification, new Date(AT));
    if (claim.outcome !== 'claimed') expect.fail(`the alert is claimed, not ${claim.outcome}`);

    await rights.erase(holdings, []);

    expect(await partitionItems(keys.lead(lead.id).pk)).toEqual([]);
    // The alert's sender, done with its email, cannot mark a claim the erasure deleted: nothing comes back.
    await expect(alerts.markSent(qualification, claim.token, 'ses-1', new Date(AT))).rejects.toThrow();
    expect(await partitionItems(keys.lead(lead.id).pk)).toEqual([]);
  });
});
