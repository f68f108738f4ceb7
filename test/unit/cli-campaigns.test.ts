import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAnswering } from './cli-answering';

const campaignId = '4b0c7b1e-2f4d-4e8a-9b3c-5d6e7f8a9b0c';
const leadId = '7c1d8c2f-3e5a-4f9b-8c4d-6e7f8a9b0c1d';
const invite = {
  name: 'Webinar invite',
  subscription: 'events',
  segment: { lead: { industry: ['SaaS'] } },
  template: { subject: 'Join us, {{ lead.firstName | "friend" }}', html: '<p>Hello {{ lead.firstName | "there" }}</p>' },
};
const stored = { ...invite, id: campaignId, audience: { where: invite.segment }, status: 'draft', createdAt: '2026-12-05T10:00:00.000Z', recipients: 0, planned: false, sent: 0, skipped: 0 };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadflow-cli-campaigns-'));
  await writeFile(join(dir, 'invite.yaml'), stringify(invite));
  const { subscription: _spelledRight, ...rest } = invite;
  await writeFile(join(dir, 'typo.yaml'), stringify({ ...rest, subscripton: 'events' }));
  await writeFile(join(dir, 'segment-typo.yaml'), stringify({ ...invite, segment: { lead: { industy: ['SaaS'] } } }));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

/** A CLI run against an API that records each request and answers `body`. */
const cli = (body: unknown, status = 200) => cliAnswering(dir, { body, status });

describe('leadflow campaigns create | list | preview | test', () => {
  it('creates a draft from a campaign file and says how to look at it and send it', async () => {
    const created = cli(stored, 201);
    expect(await created.run('campaigns', 'create', join(dir, 'invite.yaml'))).toBe(0);
    expect(created.requests).toEqual([{ method: 'POST', url: 'http://localhost:3000/v1/admin/campaigns', body: invite }]);
    expect(created.out).toEqual([`campaign ${campaignId} saved as a draft; look at it with: leadflow campaigns preview ${campaignId} --lead <leadId>; send it with: leadflow campaigns send ${campaignId}`]);
  });

  it('refuses a campaign file with typos offline, naming each path, and sends nothing', async () => {
    const typo = cli({});
    expect(await typo.run('campaigns', 'create', join(dir, 'typo.yaml'))).toBe(1);
    const printed = typo.err.join('\n');
    expect(printed).toMatch(/typo\.yaml: \d+ problem\(s\)/);
    expect(printed).toMatch(/\(campaign\): Unrecognized key: "subscripton"/);
    expect(printed).toMatch(/\n {2}subscription: /);
    expect(typo.requests).toEqual([]);
    const segmentTypo = cli({});
    expect(await segmentTypo.run('campaigns', 'create', join(dir, 'segment-typo.yaml'))).toBe(1);
    expect(segmentTypo.err.join('\n')).toMatch(/segment\.lead\.industy: unknown field `industy`; known fields: role, industry/);
    expect(segmentTypo.requests).toEqual([]);
  });

  it('lists every campaign page by page, with the local time a scheduled one sends at', async () => {
    const pages = [
      { items: [{ id: campaignId, name: 'Webinar invite', subscription: 'events', status: 'scheduled', createdAt: '2026-12-05T10:00:00.000Z', schedule: { sendAt: '2026-12-08T09:00:00', timeZone: 'Asia/Jakarta', sendsAtUtc: '2026-12-08T02:00:00.000Z' } }], nextCursor: 'next-page' },
      { items: [{ id: leadId, name: 'November news', subscription: 'newsletter', status: 'sent', createdAt: '2026-11-30T10:00:00.000Z' }] },
    ];
    const listed = cliAnswering(dir, ...pages.map((body) => ({ body })));
    expect(await listed.run('campaigns', 'list')).toBe(0);
    expect(listed.requests.map((request) => request.url)).toEqual(['http://localhost:3000/v1/admin/campaigns', 'http://localhost:3000/v1/admin/campaigns?cursor=next-page']);
    expect(listed.out).toEqual([
      `${campaignId}  Webinar invite                 scheduled  events           2026-12-05T10:00:00.000Z  sends 2026-12-08T09:00:00 Asia/Jakarta`,
      `${leadId}  November news                  sent       newsletter       2026-11-30T10:00:00.000Z`,
    ]);
  });

  it('previews the audience, and with --lead the email as that lead would read it and whether it would get it', async () => {
    const audience = { count: 2, sample: [{ leadId, email: 'ana@example.com' }], complete: true, leadsScanned: 40 };
    const counted = cli({ campaignId, audience });
    expect(await counted.run('campaigns', 'preview', campaignId)).toBe(0);
    expect(counted.requests[0]?.url).toBe(`http://localhost:3000/v1/admin/campaigns/${campaignId}/preview`);
    expect(counted.out).toEqual([`2 leads in the audience (all 40 leads read)\n  ana@example.com  ${leadId}`]);

    const rendered = cli({ campaignId, audience, rendered: { subject: 'Join us, Ana', html: '<p>Hello Ana</p>', text: 'Hello Ana\n\nUnsubscribe: https://example.com/u' }, wouldReceive: false, wouldNotReceiveBecause: 'not_opted_in' });
    expect(await rendered.run('campaigns', 'preview', campaignId, '--lead', leadId)).toBe(0);
    expect(rendered.requests[0]?.url).toBe(`http://localhost:3000/v1/admin/campaigns/${campaignId}/preview?leadId=${leadId}`);
    expect(rendered.out.join('\n')).toBe(
      [
        '2 leads in the audience (all 40 leads read)',
        `  ana@example.com  ${leadId}`,
        '',
        `lead ${leadId} would not receive it (not opted in to its subscription type); as it would read:`,
        'Subject: Join us, Ana',
        '',
        'Hello Ana',
        '',
        'Unsubscribe: https://example.com/u',
      ].join('\n'),
    );
  });

  it('test-sends to the addresses given, personalised as a lead; without --to it sends nothing', async () => {
    const queued = cli({ campaignId, to: ['me@example.com', 'boss@example.com'] }, 202);
    expect(await queued.run('campaigns', 'test', campaignId, '--to', 'me@example.com, boss@example.com', '--lead', leadId)).toBe(0);
    expect(queued.requests).toEqual([{ method: 'POST', url: `http://localhost:3000/v1/admin/campaigns/${campaignId}/test`, body: { to: ['me@example.com', 'boss@example.com'], leadId } }]);
    expect(queued.out).toEqual([`test of campaign ${campaignId} queued for 2 address(es)`]);

    const none = cli({});
    expect(await none.run('campaigns', 'test', campaignId)).toBe(1);
    expect(none.err.join('\n')).toContain('campaigns test needs --to');
    expect(none.requests).toEqual([]);

    const refused = cli({ message: 'Invalid request: to.0 must be an email address', issues: [{ field: 'to.0', message: 'must be an email address' }] }, 400);
    expect(await refused.run('campaigns', 'test', campaignId, '--to', 'not-an-address')).toBe(1);
    expect(refused.err.join('\n')).toMatch(/to\.0: must be an email address/);
  });
});
