import { describe, expect, it } from 'vitest';
import { manifest } from '../../manifest/manifest';
import { isEventFunction } from '../../manifest/types';
import { DetailType, EVENT_SOURCE } from '../../src/domain/events';
import { compilePattern } from '../../src/domain/pattern';

/** Whether the bus delivers an event of this type and detail to the named function (the same matcher AWS's semantics are tested against). */
function delivers(name: string, detailType: DetailType, detail: Record<string, unknown>): boolean {
  const fn = manifest.functions.find((candidate) => candidate.name === name);
  if (!fn || !isEventFunction(fn)) throw new Error(`no event function ${name}`);
  return compilePattern(fn.trigger.pattern)({ source: EVENT_SOURCE, 'detail-type': detailType, detail });
}

const envelope = { version: 1, correlationId: 'c', leadId: 'lead-1' };
const scoredQualification = { ...envelope, rulesetVersion: 'r1', qualification: 1, fit: 40, engagement: 30, score: 70, grade: 'A', qualifiedAt: '2026-11-30T22:00:00.000Z', topContributors: [], signalReceivedAt: '2026-11-30T21:59:59.900Z' };
const { signalReceivedAt: _signal, ...rescoredQualification } = scoredQualification;
const contactChange = (source: 'form' | 'crm', fields: string[]) => ({ ...envelope, changeId: 'change-1', fields, at: '2026-11-30T22:00:00.000Z', source });
const stageChange = { ...envelope, from: 'lead', to: 'mql', at: '2026-11-30T22:00:00.000Z', cause: 'qualified', actor: 'leadflow' };

describe('what a qualification and a form set off: the bus delivers only what a consumer acts on', () => {
  it('track-segments hears of a rescoring\'s qualification and a CRM contact change, not of what the scoring of new events already shows it', () => {
    // A qualification made by score-lead is looked at by the engagement.recorded (or lead.identified) of the events that made it.
    expect(delivers('track-segments', DetailType.LeadQualified, scoredQualification)).toBe(false);
    expect(delivers('track-segments', DetailType.LeadQualified, rescoredQualification)).toBe(true);
    // A form's contact change comes with the form's own engagement.recorded, published after the profile is written.
    expect(delivers('track-segments', DetailType.LeadContactChanged, contactChange('form', ['email', 'company']))).toBe(false);
    expect(delivers('track-segments', DetailType.LeadContactChanged, contactChange('crm', ['company']))).toBe(true);
    expect(delivers('track-segments', DetailType.EngagementRecorded, { ...envelope, eventIds: ['e1'] })).toBe(true);
    expect(delivers('track-segments', DetailType.LeadIdentified, { ...envelope, anonymousId: 'anon-1' })).toBe(true);
    expect(delivers('track-segments', DetailType.LeadStageChanged, stageChange)).toBe(true);
    expect(delivers('track-segments', DetailType.LeadSegmentCheckDue, { ...envelope, dueAt: '2026-11-30T22:00:00.000Z' })).toBe(true);
  });

  it('record-lifecycle hears of every qualification and of the form contact changes that move a subscriber, not of the CRM\'s or an address alone', () => {
    expect(delivers('record-lifecycle', DetailType.LeadQualified, scoredQualification)).toBe(true);
    expect(delivers('record-lifecycle', DetailType.LeadQualified, rescoredQualification)).toBe(true);
    expect(delivers('record-lifecycle', DetailType.LeadContactChanged, contactChange('form', ['email', 'company']))).toBe(true);
    expect(delivers('record-lifecycle', DetailType.LeadContactChanged, contactChange('form', ['attributes.plan']))).toBe(true);
    expect(delivers('record-lifecycle', DetailType.LeadContactChanged, contactChange('form', ['email']))).toBe(false);
    expect(delivers('record-lifecycle', DetailType.LeadContactChanged, contactChange('crm', ['company']))).toBe(false);
  });
});
