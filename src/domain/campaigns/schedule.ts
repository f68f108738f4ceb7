import * as z from 'zod/mini';

/** How far ahead a campaign may be scheduled: a send planned further out is almost always a typo. */
export const SCHEDULE_HORIZON_DAYS = 365;
const DAY_MS = 86_400_000;

/** When a scheduled campaign sends: the marketer's wall-clock time and zone, and the instant they mean. */
export interface CampaignSchedule {
  /** Local time in `timeZone`, `yyyy-mm-ddThh:mm:ss`: the form EventBridge Scheduler's `at()` takes. */
  readonly sendAt: string;
  /** IANA time zone, e.g. `Asia/Jakarta`. */
  readonly timeZone: string;
  /** The same instant in UTC (ISO 8601). */
  readonly sendsAtUtc: string;
}

export const ScheduleRequest = z
  .strictObject({
    sendAt: z.string().check(z.maxLength(32), z.describe('Local wall-clock time in `timeZone`: `yyyy-mm-ddThh:mm`, seconds optional, no offset.')),
    timeZone: z.string().check(z.maxLength(64), z.describe('IANA time zone, e.g. `Asia/Jakarta` or `America/New_York`.')),
  }).check(z.meta({ id: 'ScheduleRequest' }));
export type ScheduleRequest = z.infer<typeof ScheduleRequest>;

/** A schedule refused, with the request field at fault. */
export class ScheduleError extends Error {
  constructor(
    readonly field: keyof ScheduleRequest,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
/** IANA names (`Area/Location`, `Etc/GMT+5`) and UTC; fixed offsets are not zones a marketer means. */
const IANA_NAME = /^(UTC|[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)+)$/;

interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const formatLocal = (time: LocalTime) => `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`;
/** The local time's fields read as if they were UTC: the arithmetic base for offsets. */
const asUtcMs = (time: LocalTime) => Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);

/** A wall-clock time `yyyy-mm-ddThh:mm[:ss]` that exists on the calendar; throws naming `sendAt`. */
export function parseLocalTime(text: string): LocalTime {
  const match = LOCAL_TIME.exec(text);
  if (!match) throw new ScheduleError('sendAt', 'must be a local time yyyy-mm-ddThh:mm (seconds optional, no offset or Z: the zone is timeZone)');
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const time = { year, month, day, hour, minute, second };
  const calendar = new Date(asUtcMs(time));
  if (hour > 23 || minute > 59 || second > 59 || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw new ScheduleError('sendAt', `${text} is not a valid date and time`);
  }
  return time;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter for the zone, or a ScheduleError naming `timeZone` when the zone is unknown. */
function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  const known = formatters.get(timeZone);
  if (known) return known;
  if (!IANA_NAME.test(timeZone)) throw new ScheduleError('timeZone', `${JSON.stringify(timeZone)} is not an IANA time zone name such as Europe/Paris`);
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    throw new ScheduleError('timeZone', `${JSON.stringify(timeZone)} is not a known IANA time zone`);
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

/** The zone's UTC offset at an instant, in ms (local minus UTC). */
function offsetMs(formatter: Intl.DateTimeFormat, instantMs: number): number {
  const parts = Object.fromEntries(formatter.formatToParts(new Date(instantMs)).map((part) => [part.type, Number(part.value)]));
  const local = asUtcMs({ year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 });
  return local - Math.floor(instantMs / 1000) * 1000;
}

/** Whether `timeZone` is an IANA zone name this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    zoneFormatter(timeZone);
    return true;
  } catch (error) {
    if (error instanceof ScheduleError) return false;
    throw error;
  }
}

/** The zone's UTC offset at an instant, in ms (local minus UTC); the zone must be known (`isKnownTimeZone`). */
export function zoneOffsetMs(timeZone: string, instantMs: number): number {
  return offsetMs(zoneFormatter(timeZone), instantMs);
}

/**
 * The UTC instant of a wall-clock time in a zone. A time the clocks skip (spring forward) does not
 * exist and is refused; a time they pass twice (fall back) is the first of the two, as a person
 * reading their clock would take it.
 */
export function localTimeToUtc(sendAt: string, timeZone: string): Date {
  const local = parseLocalTime(sendAt);
  const formatter = zoneFormatter(timeZone);
  const wallMs = asUtcMs(local);
  // Every offset the zone has around that day; zones change offset at most once or twice in 4 days.
  const offsets = new Set([-2, -1, 0, 1, 2].map((days) => offsetMs(formatter, wallMs + days * DAY_MS)));
  const instants = [...offsets].map((offset) => wallMs - offset).filter((instant) => offsetMs(formatter, instant) === wallMs - instant);
  if (!instants.length) {
    throw new ScheduleError('sendAt', `${formatLocal(local)} does not exist in ${timeZone}: the clocks skip it (daylight saving time starts); choose a time outside the gap`);
  }
  return new Date(Math.min(...instants));
}

/**
 * Validates a schedule request at `now`: a known zone, an existing local time, not already past and
 * at most SCHEDULE_HORIZON_DAYS ahead. Throws a ScheduleError naming the field at fault.
 */
export function resolveSchedule(request: ScheduleRequest, now: Date): CampaignSchedule {
  zoneFormatter(request.timeZone);
  const local = parseLocalTime(request.sendAt);
  const instant = localTimeToUtc(request.sendAt, request.timeZone);
  if (instant.getTime() <= now.getTime()) {
    throw new ScheduleError('sendAt', `${formatLocal(local)} in ${request.timeZone} (${instant.toISOString()}) has already passed`);
  }
  if (instant.getTime() > now.getTime() + SCHEDULE_HORIZON_DAYS * DAY_MS) {
    throw new ScheduleError('sendAt', `${formatLocal(local)} in ${request.timeZone} is more than ${SCHEDULE_HORIZON_DAYS} days ahead`);
  }
  return { sendAt: formatLocal(local), timeZone: request.timeZone, sendsAtUtc: instant.toISOString() };
}
