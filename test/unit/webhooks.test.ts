import { describe, expect, it } from 'vitest';
import { webhookUrlProblem } from '../../src/domain/handoff/webhook-requests';
import { webhookEventId, webhookRetryDelaySeconds } from '../../src/domain/handoff/webhooks';

describe('webhook event ids', () => {
  const qualified = { leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 1 };

  it('are the same for producer duplicates of one qualification (different bus ids)', () => {
    expect(webhookEventId('lead.qualified', qualified, 'bus-1')).toBe(webhookEventId('lead.qualified', { ...qualified, score: 101 }, 'bus-2'));
  });

  it('differ between qualifications, ruleset versions, leads and event types', () => {
    const ids = new Set([
      webhookEventId('lead.qualified', qualified, 'bus-1'),
      webhookEventId('lead.qualified', { ...qualified, qualification: 2 }, 'bus-1'),
      webhookEventId('lead.qualified', { ...qualified, rulesetVersion: 'q4-1' }, 'bus-1'),
      webhookEventId('lead.qualified', { ...qualified, leadId: 'lead-2' }, 'bus-1'),
      webhookEventId('lead.assigned', qualified, 'bus-1'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('name no lead', () => {
    expect(webhookEventId('lead.qualified', qualified, 'bus-1')).not.toContain('lead-1');
  });

  it('are the same for a stage change published twice, and differ between changes', () => {
    const accepted = { leadId: 'lead-1', from: 'mql', to: 'sql', at: '2026-11-25T01:00:00.000Z' };
    expect(webhookEventId('lead.stage-changed', accepted, 'bus-1')).toBe(webhookEventId('lead.stage-changed', accepted, 'bus-2'));
    expect(webhookEventId('lead.stage-changed', accepted, 'bus-1')).not.toBe(webhookEventId('lead.stage-changed', { ...accepted, to: 'recycled' }, 'bus-1'));
    expect(webhookEventId('lead.stage-changed', accepted, 'bus-1')).not.toContain('lead-1');
  });

  it('fall back to the bus event id for an event without its domain key', () => {
    expect(webhookEventId('lead.stage-changed', { leadId: 'lead-1' }, 'bus-1')).not.toBe(webhookEventId('lead.stage-changed', { leadId: 'lead-1' }, 'bus-2'));
  });
});

describe('webhook endpoint URLs', () => {
  it('must be https in AWS', () => {
    expect(webhookUrlProblem('https://crm.example.com/in', false)).toBeUndefined();
    expect(webhookUrlProblem('http://crm.example.com/in', false)).toBe('must be https');
    expect(webhookUrlProblem('http://127.0.0.1:9000/in', false)).toBe('must be https');
    expect(webhookUrlProblem('ftp://crm.example.com/in', false)).toBe('must be https');
    expect(webhookUrlProblem('crm.example.com/in', false)).toBe('must be an absolute URL');
  });

  it('may be http on 127.0.0.1 only in local mode', () => {
    expect(webhookUrlProblem('http://127.0.0.1:9000/in', true)).toBeUndefined();
    expect(webhookUrlProblem('http://localhost:9000/in', true)).toMatch(/127\.0\.0\.1/);
    expect(webhookUrlProblem('http://crm.example.com/in', true)).toMatch(/must be https/);
  });

  it('must not carry credentials', () => {
    expect(webhookUrlProblem('https://user:secret@crm.example.com/in', false)).toMatch(/credentials/);
  });
});

describe('webhook retry backoff', () => {
  it('doubles from 30 s, so 8 attempts span about an hour, and never exceeds the 12 h limit of SQS', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map(webhookRetryDelaySeconds);
    expect(delays).toEqual([30, 60, 120, 240, 480, 960, 1920]);
    expect(delays.reduce((sum, delay) => sum + delay, 0) / 60).toBeCloseTo(63.5, 1);
    expect(webhookRetryDelaySeconds(30)).toBe(12 * 3600);
  });
});
