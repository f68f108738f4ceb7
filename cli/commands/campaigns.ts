import type { Command } from 'commander';
import { accountedFor, type Campaign } from '../../src/domain/campaigns/campaign';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { followProgress } from '../progress';

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

const CONTROLS = {
  pause: 'pause a campaign: senders stop at their next batch',
  resume: 'resume a paused campaign; sends already recorded are not repeated',
  cancel: 'cancel a campaign: nothing more is sent; a scheduled one loses its schedule',
} as const;

/** `leadflow campaigns send | schedule | unschedule | pause | resume | cancel | report <campaignId>`. */
export function registerCampaigns(program: Command, context: CommandContext): void {
  const { io } = context;
  const campaigns = commandGroup(program, 'campaigns', 'send, schedule and control campaigns; their reports');

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
