import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { putItems } from '../../bench/put-items';
import { batchGet } from '../../src/adapters/batch-get';
import * as keys from '../../src/adapters/keys';
import { eventually, type StoredMail } from './helpers';
import { documentsAt, groupAlive, killGroup, mailsAt, startStack, type ReadyLine } from './npm-start-child';

/**
 * Invariant 4 on `npm start` itself: a campaign killed mid-send with SIGKILL (the stack's whole process
 * group, as crash.test.ts kills it) and started again on the same data folder finishes, every recipient
 * accounted for, and nobody is mailed twice: a send claimed before the kill is never sent again after
 * it (SES may have taken it), only counted interrupted if it was not confirmed.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-campaign-crash-'));
const started: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map(killGroup));
  rmSync(dataDir, { recursive: true, force: true });
});

const RECIPIENTS = 600;
/** Mail seen in the SES stand-in before the kill: well into the campaign, far from its end. */
const KILL_AFTER_MAILS = 150;
const TABLE = 'leadflow';

/**
 * Opted-in leads written straight into the table, as the bench loads them: the form API would mail
 * each a confirmation first, and what is tested here is the campaign's send, not capture.
 */
async function seedLeads(documents: DynamoDBDocumentClient, run: string): Promise<{ id: string; email: string }[]> {
  const at = new Date().toISOString();
  const leads = Array.from({ length: RECIPIENTS }, (_, index) => ({ id: randomUUID(), email: `campaign-crash-${index}-${run}@example.com`, firstName: `Reader${index}` }));
  await putItems(
    documents,
    TABLE,
    leads.map((lead) => ({ ...keys.lead(lead.id), ...keys.leadListing(lead.id), entity: 'lead', ...lead, industry: 'SaaS', createdAt: at, updatedAt: at, firstTouch: { at }, lastTouch: { at }, subscriptions: { events: 'opted_in' }, version: 1 })),
  );
  return leads;
}

/** Each lead's send record of the campaign (status, claimedAt), by lead id. */
async function sendRecords(documents: DynamoDBDocumentClient, campaignId: string, leadIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const records = await batchGet(documents, TABLE, leadIds.map((leadId) => keys.campaignSend(campaignId, leadId)));
  return new Map(records.map((record) => [String(record.leadId), record]));
}

const admin = async (ready: ReadyLine, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${ready.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${ready.devToken}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
};

describe('a crash of the local stack in the middle of a campaign', () => {
  it('finishes the campaign after kill -9 and a restart: every recipient sent or counted interrupted, nobody mailed twice', async () => {
    const first = await startStack(dataDir, started);
    const run = randomUUID().slice(0, 8);
    const firstDocuments = documentsAt(first.ready.dynamodb);
    const leads = await seedLeads(firstDocuments, run);
    firstDocuments.destroy();
    const leadOf = new Map(leads.map((lead) => [lead.email, lead.id]));
    const subject = `Crash campaign ${run}`;
    const campaign = await admin(first.ready, 'POST', '/v1/admin/campaigns', {
      name: subject,
      subscription: 'events',
      segment: { lead: { industry: ['SaaS'] } },
      template: { subject, html: '<p>Hello {{ lead.firstName }}</p>' },
    });
    const campaignId = String(campaign.id);
    await admin(first.ready, 'POST', `/v1/admin/campaigns/${campaignId}/send`);

    // Sent mail lives in the SES stand-in's memory: keep what it held until the kill.
    const ofCampaign = (mails: readonly StoredMail[]) => mails.filter((mail) => mail.subject === subject);
    let mailBeforeCrash: StoredMail[] = [];
    await eventually(async () => {
      mailBeforeCrash = ofCampaign(await mailsAt(first.ready.ses));
      return mailBeforeCrash.length >= KILL_AFTER_MAILS ? true : undefined;
    }, 120_000);
    await killGroup(first.child);
    expect(mailBeforeCrash.length, 'the kill fell before the campaign had mailed everyone').toBeLessThan(RECIPIENTS);

    const restartedAt = new Date().toISOString();
    const second = await startStack(dataDir, started);
    let state: Record<string, unknown> = {};
    await eventually(async () => {
      state = await admin(second.ready, 'GET', `/v1/admin/campaigns/${campaignId}`);
      return state.status === 'sent' ? true : undefined;
    }, 240_000).catch(() => {});
    expect({ status: state.status, recipients: state.recipients, skipped: state.skipped }).toEqual({ status: 'sent', recipients: RECIPIENTS, skipped: 0 });
    // A campaign's view leaves out a count that is still 0.
    const interrupted = Number(state.interrupted ?? 0);
    expect(Number(state.sent) + interrupted).toBe(RECIPIENTS);

    const documents = documentsAt(second.ready.dynamodb);
    const records = await sendRecords(documents, campaignId, leads.map((lead) => lead.id));
    documents.destroy();
    const byStatus = (status: string) => [...records.values()].filter((record) => record.status === status).length;
    expect({ records: records.size, sent: byStatus('sent'), interrupted: byStatus('interrupted') }).toEqual({ records: RECIPIENTS, sent: state.sent, interrupted });

    // After the restart, SES was called once for each send claimed after it, and for no other.
    const mailAfterRestart = ofCampaign(await mailsAt(second.ready.ses));
    const mailedAfter = mailAfterRestart.flatMap((mail) => mail.destination.to);
    expect(new Set(mailedAfter).size).toBe(mailedAfter.length);
    const claimedBeforeYetMailedAfter = mailedAfter.filter((email) => String(records.get(leadOf.get(email) ?? '')?.claimedAt) <= restartedAt);
    expect(claimedBeforeYetMailedAfter, 'recipients claimed before the kill and mailed again after it').toEqual([]);
    const claimedAfter = [...records.values()].filter((record) => String(record.claimedAt) > restartedAt);
    expect(claimedAfter.every((record) => record.status === 'sent')).toBe(true);
    expect(mailedAfter.length).toBe(claimedAfter.length);
    // What the first stack was seen to mail was claimed by it, and is counted sent or interrupted.
    for (const email of mailBeforeCrash.flatMap((mail) => mail.destination.to)) {
      const record = records.get(leadOf.get(email) ?? '');
      expect(String(record?.claimedAt) < restartedAt && ['sent', 'interrupted'].includes(String(record?.status))).toBe(true);
    }

    await killGroup(second.child);
    expect(started.every((child) => child.pid === undefined || !groupAlive(child.pid))).toBe(true);
  }, 600_000);
});
