import type { Command } from 'commander';
import type { AudiencePreview } from '../../src/api/responses';
import { accountedFor, type Campaign, CampaignDefinition, type NotReceivingReason } from '../../src/domain/campaigns/campaign';
import { everyItem, expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { readCheckedFile } from '../files';
import { followProgress } from '../progress';
import { formatAudience } from './segments';

const pad = (text: string | number, width: number) => String(text).padStart(width);

/** `[##########----------]  12 / 24 sent or skipped` (a `+` while recipients are still being planned). */
export function progressBar(done: number, total: number, planned: boolean, width = 30): string {
  const filled = total ? Math.min(width, Math.round((done / total) * width)) : planned ? width : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pad(done, 6)} / ${total}${planned ? '' : '+'} sent or skipped`;
}

function formatCampaignReport(report: Record<string, unknown>): string {
  const row = (label: string, count: string, rate?: string) => `${label.padEnd(14)}${pad(String(report[count] ?? 0), 8)}${rate ? `${pad(String(report[rate] ?? 0), 8)} %` : ''}`;
  return [
    `${String(report.name)} (${String(report.status)})`,
    row('recipients', 'recipients'),
    row('sent', 'sent'),
    row('skipped', 'skipped'),
    ...(Number(report.interrupted ?? 0) > 0 ? [`${row('interrupted', 'interrupted')}  (recorded, never confirmed by SES; not resent)`] : []),
    row('delivered', 'delivered', 'deliveryRate'),
    row('opened', 'opened', 'openRate'),
    row('clicked', 'clicked', 'clickRate'),
    row('bounced', 'bounced', 'bounceRate'),
    row('complained', 'complained', 'complaintRate'),
    row('unsubscribed', 'unsubscribed', 'unsubscribeRate'),
  ].join('\n');
}

/** Reads a campaign file and refuses it, every problem with its path, before anything is sent. */
const validCampaign = (file: string): Promise<CampaignDefinition> => readCheckedFile(file, CampaignDefinition, '(campaign)');

interface CampaignListing {
  readonly id: string;
  readonly name: string;
  readonly subscription: string;
  readonly status: string;
  readonly createdAt: string;
  readonly schedule?: { readonly sendAt: string; readonly timeZone: string };
}

/** One campaign a line: id, name, status, subscription type, created, and the local time it is scheduled for. */
export function formatCampaignLine(campaign: CampaignListing): string {
  const schedule = campaign.schedule ? `  sends ${campaign.schedule.sendAt} ${campaign.schedule.timeZone}` : '';
  return `${campaign.id}  ${campaign.name.padEnd(30)} ${campaign.status.padEnd(10)} ${campaign.subscription.padEnd(16)} ${campaign.createdAt}${schedule}`;
}

/** Why a lead would not get a campaign, as a sentence's end. */
const NOT_RECEIVING: Record<NotReceivingReason, string> = {
  not_opted_in: 'not opted in to its subscription type',
  suppressed: 'its address is suppressed',
  outside_audience: 'not in its segment',
};

/** The audience, then (with a lead) the email as that lead would get it, its plain-text part as a terminal shows best. */
export function formatCampaignPreview(preview: { audience: AudiencePreview; rendered?: { subject: string; text: string }; wouldReceive?: boolean; wouldNotReceiveBecause?: NotReceivingReason }, leadId?: string): string {
  const lines = [formatAudience(preview.audience, 'in the audience')];
  if (leadId && preview.rendered) {
    const because = preview.wouldNotReceiveBecause ? ` (${NOT_RECEIVING[preview.wouldNotReceiveBecause]})` : '';
    lines.push(
      '',
      `lead ${leadId} ${preview.wouldReceive ? 'would receive it' : `would not receive it${because}`}; as it would read:`,
      `Subject: ${preview.rendered.subject}`,
      '',
      preview.rendered.text,
    );
  }
  return lines.join('\n');
}

const CONTROLS = {
  pause: 'pause a campaign: senders stop at their next batch',
  resume: 'resume a paused campaign; sends already recorded are not repeated',
  cancel: 'cancel a campaign: nothing more is sent; a scheduled one loses its schedule',
} as const;

/** `leadflow campaigns create | list | preview | test | send | schedule | unschedule | pause | resume | cancel | report`. */
export function registerCampaigns(program: Command, context: CommandContext): void {
  const { io } = context;
  const campaigns = commandGroup(program, 'campaigns', 'create, preview, test, send, schedule and control campaigns; their reports');

  campaigns
    .command('create')
    .description('save a campaign draft from a file (checked offline first); prints its id')
    .argument('<file>', 'the campaign, YAML or JSON: name, subscription, segment or segmentId, template')
    .action(async (file: string) => {
      const definition = await validCampaign(file);
      const saved = expectOk(await (await context.api()).createCampaign(definition), `Creating campaign ${definition.name}`);
      const id = String(saved.id);
      io.out(`campaign ${id} saved as a draft; look at it with: leadflow campaigns preview ${id} --lead <leadId>; send it with: leadflow campaigns send ${id}`);
    });

  campaigns
    .command('list')
    .description('every campaign, newest first: status, subscription type, created, and when a scheduled one sends')
    .action(async () => {
      const api = await context.api();
      for (const campaign of await everyItem<CampaignListing>((cursor) => api.listCampaigns(cursor), 'Listing campaigns')) io.out(formatCampaignLine(campaign));
    });

  campaigns
    .command('preview')
    .description('who it would go to now (a count and a sample); with --lead, the email that lead would get and whether it would')
    .argument('<campaignId>')
    .option('--lead <leadId>', 'render the email as this lead would get it')
    .action(async (campaignId: string, options: { lead?: string }) => {
      const preview = expectOk(await (await context.api()).previewCampaign(campaignId, options.lead), `Previewing campaign ${campaignId}`);
      io.out(formatCampaignPreview(preview as unknown as Parameters<typeof formatCampaignPreview>[0], options.lead));
    });

  campaigns
    .command('test')
    .description('send it, marked [Test], to up to 5 addresses (not recorded or tracked; its unsubscribe link changes nothing; suppressed addresses are skipped)')
    .argument('<campaignId>')
    .option('--to <addresses>', 'comma-separated addresses, at most 5 (required)')
    .option('--lead <leadId>', 'personalise with this lead (the fallbacks otherwise)')
    .action(async (campaignId: string, options: { to?: string; lead?: string }) => {
      const to = (options.to ?? '').split(',').map((address) => address.trim()).filter(Boolean);
      if (!to.length) throw new CliError('campaigns test needs --to with at least one address');
      const queued = expectOk(await (await context.api()).testCampaign(campaignId, { to, ...(options.lead ? { leadId: options.lead } : {}) }), `Test-sending campaign ${campaignId}`);
      io.out(`test of campaign ${campaignId} queued for ${(queued.to as string[]).length} address(es)`);
    });

  campaigns
    .command('send')
    .description('start sending a draft and show its progress')
    .argument('<campaignId>')
    .action(async (campaignId: string) => {
      const api = await context.api();
      expectOk(await api.sendCampaign(campaignId), `Sending campaign ${campaignId}`);
      await followProgress(
        io,
        async () => {
          const campaign = expectOk(await api.getCampaign(campaignId), `Reading campaign ${campaignId}`) as Pick<Campaign, 'recipients' | 'planned' | 'sent' | 'skipped' | 'interrupted'>;
          const done = accountedFor(campaign);
          io.out(progressBar(done, campaign.recipients, campaign.planned));
          return campaign.planned && done >= campaign.recipients ? { finished: true, result: campaign } : { finished: false, progress: done };
        },
        (seconds) => `Campaign ${campaignId} made no progress for ${seconds} s; the plan-campaign and send-campaign dead-letter queues say why`,
      );
    });

  campaigns
    .command('schedule')
    .description('send a draft at a local time in a zone (or move a scheduled one)')
    .argument('<campaignId>')
    .option('--at <yyyy-mm-ddThh:mm>', 'the local time to send at (required)')
    .option('--tz <IANA zone>', 'the time zone of --at, e.g. Asia/Jakarta (required)')
    .action(async (campaignId: string, options: { at?: string; tz?: string }) => {
      if (!options.at || !options.tz) throw new CliError('campaigns schedule needs --at <yyyy-mm-ddThh:mm> and --tz <IANA zone>, e.g. --at 2026-12-01T09:00 --tz Asia/Jakarta');
      const changed = expectOk(await (await context.api()).scheduleCampaign(campaignId, { sendAt: options.at, timeZone: options.tz }), `Scheduling campaign ${campaignId}`);
      const schedule = changed.schedule as { sendAt: string; timeZone: string; sendsAtUtc: string };
      io.out(`campaign ${campaignId} is scheduled for ${schedule.sendAt} ${schedule.timeZone} (${schedule.sendsAtUtc} UTC)`);
    });

  campaigns
    .command('unschedule')
    .description('back to draft; its schedule is deleted')
    .argument('<campaignId>')
    .action(async (campaignId: string) => {
      const changed = expectOk(await (await context.api()).unscheduleCampaign(campaignId), `Unscheduling campaign ${campaignId}`);
      io.out(`campaign ${campaignId} is ${String(changed.status)}; its schedule is deleted`);
    });

  for (const [control, description] of Object.entries(CONTROLS) as [keyof typeof CONTROLS, string][]) {
    campaigns
      .command(control)
      .description(description)
      .argument('<campaignId>')
      .action(async (campaignId: string) => {
        const changed = expectOk(await (await context.api()).controlCampaign(campaignId, control), `${control} campaign ${campaignId}`);
        io.out(`campaign ${campaignId} is ${String(changed.status)}`);
      });
  }

  campaigns
    .command('report')
    .description('sent, delivered, opened, clicked, bounced, complained, unsubscribed and rates')
    .argument('<campaignId>')
    .action(async (campaignId: string) => {
      io.out(formatCampaignReport(expectOk(await (await context.api()).getCampaignReport(campaignId), `Reading the report of campaign ${campaignId}`)));
    });
}
