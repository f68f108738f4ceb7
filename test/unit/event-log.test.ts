import { describe, expect, it } from 'vitest';
import { manifest } from '../../manifest/manifest';
import {
  advanced,
  distinctEvents,
  EMPTY_WATERMARK,
  isApplied,
  MAX_CLOCK_SKEW_MS,
  RECORDING_DEADLINE_MS,
  recordStatuses,
  repeatSearchFrom,
  unapplied,
} from '../../src/domain/event-log';

const at = (second: number) => new Date(Date.UTC(2026, 10, 30, 10, 0, second)).toISOString();
const event = (id: string, second: number) => ({ id, recordedAt: at(second) });

describe('the score watermark', () => {
  it('holds nothing for a lead never scored, so every recorded event is new', () => {
    expect(unapplied([event('a', 1), event('b', 2)], EMPTY_WATERMARK)).toEqual([event('a', 1), event('b', 2)]);
  });

  it('leaves out events recorded up to `through`, events it holds as recent, and a second copy of one id', () => {
    const watermark = { through: at(10), recent: [event('r', 12)] };
    expect(unapplied([event('old', 9), event('edge', 10), event('r', 12), event('n', 13), event('n', 14)], watermark)).toEqual([event('n', 13)]);
  });

  it('moves `through` to the read time less the recording deadline and keeps only the events recorded after it', () => {
    const readAt = new Date(Date.parse(at(0)) + RECORDING_DEADLINE_MS + 5_000);
    const next = advanced({ through: '', recent: [event('a', 1)] }, [event('b', 4), event('c', 8)], readAt);
    expect(next).toEqual({ through: at(5), recent: [event('c', 8)] });
    expect(isApplied(event('a', 1), next) && isApplied(event('b', 4), next) && isApplied(event('c', 8), next)).toBe(true);
    expect(isApplied(event('d', 6), next)).toBe(false);
  });

  it('never moves `through` back, and stores only the id and recording time of an applied event', () => {
    const next = advanced({ through: at(30), recent: [] }, [{ ...event('late', 40), type: 'page_view' } as { id: string; recordedAt: string }], new Date(at(0)));
    expect(next).toEqual({ through: at(30), recent: [event('late', 40)] });
  });

  it('stays bounded by the events of the last deadline, however long the history', () => {
    let watermark = EMPTY_WATERMARK;
    const start = Date.parse(at(0));
    // A week of an event every minute, scored as each arrives.
    for (let minute = 0; minute < 7 * 24 * 60; minute += 1) {
      const recordedAt = new Date(start + minute * 60_000).toISOString();
      const recorded = [{ id: `e-${minute}`, recordedAt }];
      watermark = advanced(watermark, unapplied(recorded, watermark), new Date(start + minute * 60_000 + 100));
    }
    expect(watermark.recent.length).toBeLessThanOrEqual(RECORDING_DEADLINE_MS / 60_000 + 1);
  });
});

describe('repeats of an event', () => {
  it('are looked for from when it occurred less the clock skew a client may have', () => {
    expect(Date.parse(at(0)) - Date.parse(repeatSearchFrom(at(0)))).toBe(MAX_CLOCK_SKEW_MS);
  });

  it('are duplicates when their request is the same, conflicts when it differs, also within one batch', () => {
    const stored = [{ id: 'a', requestHash: 'h1' }];
    expect(recordStatuses(stored, [{ id: 'a', requestHash: 'h1' }, { id: 'a', requestHash: 'h2' }, { id: 'b', requestHash: 'h3' }, { id: 'b', requestHash: 'h3' }, { id: 'b', requestHash: 'h4' }])).toEqual([
      'duplicate',
      'conflict',
      'recorded',
      'duplicate',
      'conflict',
    ]);
  });

  it('count once in a history: the first copy recorded is kept', () => {
    expect(distinctEvents([event('a', 1), event('b', 2), event('a', 3)])).toEqual([event('a', 1), event('b', 2)]);
  });
});

it('the functions that record events stop well within the recording deadline, so the history behind a watermark is final', () => {
  const recorders = ['ingest-events', 'capture-form', 'track-campaign', 'score-lead'];
  for (const name of recorders) {
    const spec = manifest.functions.find((candidate) => candidate.name === name);
    expect(spec, name).toBeDefined();
    expect((spec?.timeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000 * 2, name).toBeLessThanOrEqual(RECORDING_DEADLINE_MS);
  }
});
