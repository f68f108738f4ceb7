import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { scopedEventId } from '../../src/domain/idempotency';
import { eventsNotInScore, eventually, now, type StoredMail } from './helpers';
import { documentsAt, groupAlive, killGroup, mailsAt, startStack } from './npm-start-child';

/**
 * Invariant 1 on `npm start` itself: the stack runs as a child process (`local/start.ts` on a
 * data folder of its own), takes forms and events from many visitors, and is killed with SIGKILL —
 * its whole process group, DynamoDB Local included — while work is still queued. Started again on the
 * same folder, it must score every event it answered 202 and alert sales once per qualified lead.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-crash-'));
const started: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map(killGroup));
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A POST from one of many visitors: each lead posts from its own loopback address, as real visitors
 * come from their own, so the per-client limit of the public routes does not throttle the load.
 */
function postFrom(sourceAddress: string, url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', localAddress: sourceAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: response.statusCode ?? 0, json: text ? (JSON.parse(text) as unknown) : undefined });
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

interface AcceptedLead {
  leadId: string;
  firstName: string;
  /** Stored ids of the events answered 202. */
  eventIds: string[];
  /** Both qualifying requests were answered 202, so the starter ruleset makes it an MQL. */
  qualifies: boolean;
}

/** One lead of the load: a qualifying form post, then its events in two requests. Only what got a 202 is recorded. */
async function sendLead(apiUrl: string, index: number, accepted: AcceptedLead[]): Promise<void> {
  const sourceAddress = `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
  const email = `crash-${index}-${randomUUID()}@example.com`;
  const firstName = `Crash${index}x`;
  const form = await postFrom(sourceAddress, `${apiUrl}/v1/forms/contact/submissions`, {
    email, firstName, company: 'Acme', role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 25_000, country: 'ID',
  });
  if (form.status !== 202) return;
  const lead: AcceptedLead = { leadId: (form.json as { leadId: string }).leadId, firstName, eventIds: [], qualifies: false };
  accepted.push(lead);
  const qualifying = [
    { id: `evt-${randomUUID()}`, type: 'page_view', occurredAt: now(), email, properties: { url: 'https://example.com/demo', secondsOnPage: 180 } },
    { id: `evt-${randomUUID()}`, type: 'webinar_registration', occurredAt: now(), email, properties: { webinarId: 'scoring-101' } },
  ];
  const browsing = Array.from({ length: 4 }, (_, n) => ({ id: `evt-${randomUUID()}`, type: 'page_view', occurredAt: now(), email, properties: { url: `https://example.com/blog/${n}` } }));
  for (const [events, qualifies] of [[qualifying, true], [browsing, false]] as const) {
    const response = await postFrom(sourceAddress, `${apiUrl}/v1/events`, { events });
    if (response.status !== 202) return;
    lead.eventIds.push(...events.map((event) => scopedEventId({ email }, event.id)));
    if (qualifies) lead.qualifies = true;
  }
}

describe('a crash of the local stack loses nothing it accepted', () => {
  it('scores every event answered 202 and alerts sales once per qualified lead after kill -9 under load and a restart', async () => {
    const first = await startStack(dataDir, started);
    const accepted: AcceptedLead[] = [];
    const mailBeforeCrash = new Map<string, StoredMail>();
    let killed = false;

    // Sent mail lives in the SES stand-in's memory: keep what it holds until the crash.
    const watchMail = (async () => {
      while (!killed) {
        for (const mail of await mailsAt(first.ready.ses).catch(() => [])) mailBeforeCrash.set(mail.messageId, mail);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // Eight visitors at a time until the kill; requests cut off by it were never accepted.
    let next = 0;
    const load = Array.from({ length: 8 }, async () => {
      while (!killed) await sendLead(first.ready.apiUrl, next++, accepted).catch(() => {});
    });
    // Kill while the pipeline is behind: many events accepted, some leads already alerted. With 25
    // qualified, at most 8 leads are mid-way, so at least 17 * 6 + 8 * 2 = 118 events were answered 202.
    await eventually(async () => (accepted.filter((lead) => lead.qualifies).length >= 25 ? true : undefined), 120_000);
    await killGroup(first.child);
    killed = true;
    await Promise.all([...load, watchMail]);

    // Taken before the restart, not once it is ready: its consumers may take a stale claim over before
    // this process reads the ready line, and the first stack is gone, so any later claim is the second's.
    const restartedAt = new Date().toISOString();
    const second = await startStack(dataDir, started);
    const documents = documentsAt(second.ready.dynamodb);
    const eventIds = accepted.flatMap((lead) => lead.eventIds);
    expect(eventIds.length).toBeGreaterThan(100);

    let unscored = eventIds;
    await eventually(async () => {
      unscored = (await Promise.all(accepted.map((lead) => eventsNotInScore(documents, 'leadflow', lead.leadId, lead.eventIds)))).flat();
      return unscored.length === 0 ? true : undefined;
    }, 240_000).catch(() => {});
    expect(unscored, `${unscored.length} of ${eventIds.length} accepted events never scored`).toEqual([]);

    // One alert record per qualified lead, sent; a claim cut off by the kill is taken over once stale.
    const qualified = accepted.filter((lead) => lead.qualifies);
    const alertsOf = async (lead: AcceptedLead) =>
      (await documents.send(new QueryCommand({ TableName: 'leadflow', KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)', ExpressionAttributeValues: { ':pk': `LEAD#${lead.leadId}`, ':alert': 'ALERT#' } }))).Items ?? [];
    let alerts: Record<string, unknown>[][] = [];
    await eventually(async () => {
      alerts = await Promise.all(qualified.map(alertsOf));
      return alerts.every((items) => items.length === 1 && items[0]?.status === 'sent') ? true : undefined;
    }, 240_000).catch(() => {});
    const notAlertedOnce = qualified.flatMap((lead, index) => {
      const items = alerts[index] ?? [];
      return items.length === 1 && items[0]?.status === 'sent' ? [] : [`${lead.firstName}: ${items.length ? items.map((item) => String(item.status)).join(', ') : 'no alert'}`];
    });
    expect(notAlertedOnce, 'qualified leads without exactly one sent alert').toEqual([]);

    // Every alert sent after the restart is in the new SES store. A lead gets a second email only when
    // the kill fell between SES taking the first and the alert record saying so: SES has no idempotency
    // key, and the record's stale claim is taken over (an alert twice after a crash rather than never).
    const mailAfterRestart = await mailsAt(second.ready.ses);
    const sentAfterRestart = new Set(mailAfterRestart.map((mail) => mail.messageId));
    for (const alert of alerts.flat().filter((item) => String(item.sentAt) > restartedAt)) expect(sentAfterRestart.has(String(alert.messageId))).toBe(true);
    const alertMails = (mails: Iterable<StoredMail>, lead: AcceptedLead) => [...mails].filter((mail) => mail.subject.startsWith(`MQL: ${lead.firstName} (`)).length;
    const alertedTwice = qualified.flatMap((lead, index) => {
      const before = alertMails(mailBeforeCrash.values(), lead);
      const after = alertMails(mailAfterRestart, lead);
      if (before + after <= 1) return [];
      const claimTakenOver = String(alerts[index]?.[0]?.claimedAt) > restartedAt;
      return before === 1 && after === 1 && claimTakenOver ? [] : [`${lead.firstName}: ${before} before the crash, ${after} after, claim ${claimTakenOver ? '' : 'not '}taken over`];
    });
    expect(alertedTwice, 'leads alerted more than once').toEqual([]);
    documents.destroy();

    await killGroup(second.child);
    expect(started.every((child) => child.pid === undefined || !groupAlive(child.pid))).toBe(true);
  }, 600_000);
});
