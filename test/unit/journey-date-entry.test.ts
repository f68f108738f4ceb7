import { describe, expect, it } from 'vitest';
import { DATE_ENTRY_WINDOW_MS, dueDateEntry } from '../../src/domain/journeys/local-time';

const entry = { attribute: 'renewalDate', offsetDays: -30, time: '09:00' };

describe('dueDateEntry', () => {
  it("is the entry instant in the lead's zone (else the journey's) once it passed, within the window", () => {
    expect(dueDateEntry(entry, { renewalDate: '2026-06-01', timeZone: 'Europe/Berlin' }, 'UTC', new Date('2026-05-02T07:00:00Z'))?.toISOString()).toBe('2026-05-02T07:00:00.000Z');
    expect(dueDateEntry(entry, { renewalDate: '2026-06-01T18:00:00Z', timeZone: 'Not/AZone' }, 'UTC', new Date('2026-05-02T09:30:00Z'))?.toISOString()).toBe('2026-05-02T09:00:00.000Z');
  });

  it('is undefined before the instant, once the window passed, and without a date', () => {
    expect(dueDateEntry(entry, { renewalDate: '2026-06-01' }, 'UTC', new Date('2026-05-02T08:59:59Z'))).toBeUndefined();
    expect(dueDateEntry(entry, { renewalDate: '2026-06-01' }, 'UTC', new Date(Date.parse('2026-05-02T09:00:00Z') + DATE_ENTRY_WINDOW_MS))).toBeUndefined();
    expect(dueDateEntry(entry, { renewalDate: 'soon' }, 'UTC', new Date('2026-05-02T10:00:00Z'))).toBeUndefined();
    expect(dueDateEntry(entry, {}, 'UTC', new Date('2026-05-02T10:00:00Z'))).toBeUndefined();
    expect(dueDateEntry(entry, undefined, 'UTC', new Date('2026-05-02T10:00:00Z'))).toBeUndefined();
  });
});
