import { DateTime, IANAZone } from './luxon.js';

/**
 * Time-zone arithmetic for local buckets (day, hour of day, weekday). The zone rules come from Luxon
 * (IANA tz database through Intl); Vibescope only caches the UTC offset per UTC hour so a bucket costs
 * no Intl call per row. Correct in zones whose DST change falls at midnight (America/Santiago,
 * America/Havana, America/Asuncion: that day starts at 01:00) and in half-hour zones (Asia/Kolkata,
 * America/St_Johns). All `*_at` values are ms since the epoch, UTC.
 */

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** Local buckets of one instant. `day` counts days since 1970-01-01 local; `dow` is 0 = Monday … 6 = Sunday. */
export interface LocalBuckets { day: number; hour: number; dow: number }

/** Weekday (0 = Monday) of a local day number: 1970-01-01 was a Thursday. */
export function dowOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** The civil date (YYYY-MM-DD) of a local day number. */
export function dateOfDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** True when Luxon (Intl) knows the IANA zone. */
export function isTimeZone(tz: string): boolean {
  return IANAZone.isValidZone(tz);
}

/** A converter for one IANA zone, with its own offset cache. */
export interface TimeZoneMath {
  readonly timeZone: string;
  /** UTC offset in ms at `atMs` (positive east of Greenwich). */
  offsetMs(atMs: number): number;
  buckets(atMs: number): LocalBuckets;
  /** Local day number of an instant. */
  dayOf(atMs: number): number;
  /** The UTC instant at which local day `day` starts (its first existing minute: 01:00 where DST begins at midnight). */
  startOfDay(day: number): number;
}

/**
 * Creates the converter for `timeZone`.
 * @throws RangeError when the zone is unknown (config validation prevents this).
 */
export function createTimeZoneMath(timeZone: string): TimeZoneMath {
  if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone ${timeZone}`);
  const zone = IANAZone.create(timeZone);
  const cache = new Map<number, number>();
  /** Fills the cache for the 24 UTC hours of UTC day `dayIndex`. */
  function fillDay(dayIndex: number): void {
    if (cache.size > 200_000) cache.clear();
    const first = dayIndex * 24;
    const start = first * MS_PER_HOUR;
    const a = zone.offset(start);
    // No zone changes its offset twice within one UTC day (tz database; changes lie weeks apart at least):
    // the same offset at both ends of the day holds all day, two look-ups for 24 hours.
    if (zone.offset(start + MS_PER_DAY - 1) === a) {
      for (let h = 0; h < 24; h++) cache.set(first + h, a * MS_PER_MINUTE);
      return;
    }
    for (let h = 0; h < 24; h++) {
      // Offsets change on whole quarter hours UTC at most (tz database): one look-up per UTC hour start
      // is exact except inside the one hour of a change, which is checked at its end too.
      const hourStart = (first + h) * MS_PER_HOUR;
      const x = zone.offset(hourStart);
      const y = zone.offset(hourStart + MS_PER_HOUR - 1);
      cache.set(first + h, x === y ? x * MS_PER_MINUTE : Number.NaN);
    }
  }
  function hourOffset(hourIndex: number): number {
    let offset = cache.get(hourIndex);
    if (offset === undefined) {
      fillDay(Math.floor(hourIndex / 24));
      offset = cache.get(hourIndex)!;
    }
    return offset;
  }
  function offsetMs(atMs: number): number {
    const cached = hourOffset(Math.floor(atMs / MS_PER_HOUR));
    return Number.isNaN(cached) ? zone.offset(atMs) * MS_PER_MINUTE : cached;
  }
  function buckets(atMs: number): LocalBuckets {
    const local = atMs + offsetMs(atMs);
    const day = Math.floor(local / MS_PER_DAY);
    const hour = Math.floor((local - day * MS_PER_DAY) / MS_PER_HOUR);
    return { day, hour, dow: dowOfDay(day) };
  }
  function dayOf(atMs: number): number {
    return Math.floor((atMs + offsetMs(atMs)) / MS_PER_DAY);
  }
  const dayStarts = new Map<number, number>();
  function startOfDay(day: number): number {
    let start = dayStarts.get(day);
    if (start === undefined) {
      const [year, month, date] = dateOfDay(day).split('-').map(Number) as [number, number, number];
      start = DateTime.fromObject({ year, month, day: date }, { zone }).startOf('day').toMillis();
      if (dayStarts.size > 10_000) dayStarts.clear();
      dayStarts.set(day, start);
    }
    return start;
  }
  return { timeZone, offsetMs, buckets, dayOf, startOfDay };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The value of an ASCII digit at `i`, or -1 for anything else. */
const digitAt = (text: string, i: number): number => { const c = text.charCodeAt(i) - 48; return c >= 0 && c <= 9 ? c : -1; };

/** The two digits at `i` and `i + 1` as a number, or -1. */
function twoDigits(text: string, i: number): number {
  const a = digitAt(text, i); const b = digitAt(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ` exactly, the `ts` of every Spotify export, read digit by digit (a match
 * array per row was an import's biggest garbage after the rows themselves): ms since epoch, null for a
 * time that does not exist (as {@link parseDateTime}), undefined for any other layout.
 */
function utcSecondStamp(text: string): number | null | undefined {
  if (text.length !== 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84
    || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 90) return undefined;
  let year = 0;
  for (let i = 0; i < 4; i++) { const d = digitAt(text, i); if (d < 0) return undefined; year = year * 10 + d; }
  const month = twoDigits(text, 5); const day = twoDigits(text, 8); const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14); const second = twoDigits(text, 17);
  if (month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || year < 1000) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/**
 * Parses a date or date-time strictly (ISO 8601 calendar dates): `2024-08-02` is the start of that
 * local day in `timeZone`; a date-time without a zone is local time in `timeZone`; one with `Z` or an
 * offset is that instant. Impossible values (2024-02-30, month 13, T24:00, minute 60) are refused
 * rather than rolled over as `Date.parse` would.
 * @returns ms since the epoch, or null when the text is not a valid date.
 */
export function parseDateTime(text: string, timeZone: string): number | null {
  const stamp = utcSecondStamp(text);
  if (stamp !== undefined) return stamp;
  const value = text.trim();
  let m = DATE_RE.exec(value);
  if (m) {
    const d = DateTime.fromObject({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }, { zone: timeZone });
    return d.isValid ? d.startOf('day').toMillis() : null;
  }
  m = DATE_TIME_RE.exec(value);
  if (!m) return null;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (m[8] === 'Z' && Number(m[1]) >= 1000) {
    // UTC with a fraction, to the minute or with a space (plain `…T18:04:11Z` took utcSecondStamp): no zone rules,
    // so Date.UTC does it, refusing a day the month does not have (Date.UTC would roll 02-30 over into March).
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
    return Date.UTC(year, month - 1, day, hour, minute, second, fraction);
  }
  const d = DateTime.fromISO(value.replace(' ', 'T'), { zone: m[8] ? 'utc' : timeZone, setZone: false });
  return d.isValid ? d.toMillis() : null;
}
