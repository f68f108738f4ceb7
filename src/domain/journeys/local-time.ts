import { localTimeToUtc } from '../campaigns/schedule';
import { WEEKDAYS, type Weekday } from './definition';

const DAY_MS = 86_400_000;
const pad = (value: number) => String(value).padStart(2, '0');

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date of an instant in a zone, as `[year, month, day]`. */
function localDate(instant: Date, timeZone: string): [number, number, number] {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((candidate) => candidate.type === type)?.value);
  return [part('year'), part('month'), part('day')];
}

/** The instant a local wall-clock time happens; a time the clocks skip (DST) is read an hour later. */
function instantOf(year: number, month: number, day: number, time: string, timeZone: string): Date {
  const local = `${year}-${pad(month)}-${pad(day)}T${time}:00`;
  try {
    return localTimeToUtc(local, timeZone);
  } catch {
    const [hour = 0, minute = 0] = time.split(':').map(Number);
    return localTimeToUtc(`${year}-${pad(month)}-${pad(day)}T${pad((hour + 1) % 24)}:${pad(minute)}:00`, timeZone);
  }
}

/**
 * The first instant after `after` at which the clock in `timeZone` shows `time` (hh:mm) on one of
 * `weekdays` (any day when absent): "wait until 9:00 on a weekday in the lead's time zone".
 */
export function nextLocalTime(after: Date, timeZone: string, time: string, weekdays?: readonly Weekday[]): Date {
  const [year, month, day] = localDate(after, timeZone);
  for (let offset = 0; offset <= 8; offset += 1) {
    const calendar = new Date(Date.UTC(year, month - 1, day) + offset * DAY_MS);
    // getUTCDay: 0 is Sunday; WEEKDAYS starts on Monday.
    const weekday = WEEKDAYS[(calendar.getUTCDay() + 6) % 7] as Weekday;
    if (weekdays && !weekdays.includes(weekday)) continue;
    const instant = instantOf(calendar.getUTCFullYear(), calendar.getUTCMonth() + 1, calendar.getUTCDate(), time, timeZone);
    if (instant.getTime() > after.getTime()) return instant;
  }
  throw new Error(`no ${time} on ${weekdays?.join(',') ?? 'any day'} in ${timeZone} within 8 days`);
}

/**
 * When a lead enters a date-triggered journey: `offsetDays` after the date held in an attribute
 * (`yyyy-mm-dd`, or an ISO time whose date part counts), at `time` in `timeZone`; undefined when
 * the attribute holds no date.
 */
export function dateEntryAt(value: unknown, offsetDays: number, time: string, timeZone: string): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return undefined;
  const calendar = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) + offsetDays * DAY_MS);
  if (Number.isNaN(calendar.getTime())) return undefined;
  return instantOf(calendar.getUTCFullYear(), calendar.getUTCMonth() + 1, calendar.getUTCDate(), time, timeZone);
}

/** How far back a date entry still enters: the hourly pass finds each date in more than one pass, so none is missed. */
export const DATE_ENTRY_WINDOW_MS = 25 * 3_600_000;

/**
 * When the lead enters a date-triggered journey, in its own time zone (`attributes.timeZone`, else the
 * journey's); undefined when the lead holds no date in the entry's attribute.
 */
export function leadDateEntryAt(entry: { readonly attribute: string; readonly offsetDays: number; readonly time: string }, attributes: Readonly<Record<string, unknown>> | undefined, journeyTimeZone: string): Date | undefined {
  if (!attributes || !Object.hasOwn(attributes, entry.attribute)) return undefined;
  const own = attributes.timeZone;
  const timeZone = typeof own === 'string' && own && isKnownTimeZone(own) ? own : journeyTimeZone;
  return dateEntryAt(attributes[entry.attribute], entry.offsetDays, entry.time, timeZone);
}

/**
 * When a lead's date entry fell due, if it did within the window before `now` (in the lead's time
 * zone, else the journey's); undefined when the lead holds no date or its entry time is not in the
 * window (not yet, or long past: publishing a journey does not enter every lead whose date went by).
 */
export function dueDateEntry(entry: { readonly attribute: string; readonly offsetDays: number; readonly time: string }, attributes: Readonly<Record<string, unknown>> | undefined, journeyTimeZone: string, now: Date): Date | undefined {
  const at = leadDateEntryAt(entry, attributes, journeyTimeZone);
  if (!at || at.getTime() > now.getTime() || at.getTime() <= now.getTime() - DATE_ENTRY_WINDOW_MS) return undefined;
  return at;
}

/**
 * The lead's date entry if it falls due within `aheadMs` after `now`, or fell due within the window
 * before it: what the due-time index holds, so the sweep enrols it within the minute.
 */
export function upcomingDateEntry(entry: { readonly attribute: string; readonly offsetDays: number; readonly time: string }, attributes: Readonly<Record<string, unknown>> | undefined, journeyTimeZone: string, now: Date, aheadMs: number): Date | undefined {
  const at = leadDateEntryAt(entry, attributes, journeyTimeZone);
  if (!at || at.getTime() > now.getTime() + aheadMs || at.getTime() <= now.getTime() - DATE_ENTRY_WINDOW_MS) return undefined;
  return at;
}
