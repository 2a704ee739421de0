/**
 * Time-zone arithmetic for local buckets (day, hour of day, weekday) without per-row Intl calls:
 * the UTC offset is looked up once per UTC hour and cached (zones change offset on whole hours or
 * half hours UTC; IANA tz database). All `*_at` values are ms since the epoch, UTC.
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

/** A converter for one IANA zone, with its own offset cache. */
export interface TimeZoneMath {
  readonly timeZone: string;
  /** UTC offset in ms at `atMs` (positive east of Greenwich). */
  offsetMs(atMs: number): number;
  buckets(atMs: number): LocalBuckets;
  /** Local day number of an instant. */
  dayOf(atMs: number): number;
  /** The UTC instant at which local day `day` starts (00:00 local; DST-correct to the hour). */
  startOfDay(day: number): number;
}

/**
 * Creates the converter for `timeZone`.
 * @throws RangeError when Intl does not know the zone (config validation prevents this).
 */
export function createTimeZoneMath(timeZone: string): TimeZoneMath {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  const cache = new Map<number, number>();
  const dayCache = new Map<number, number | null>();
  function computeOffset(hourStart: number): number {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(hourStart)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return local - hourStart;
  }
  function hourOffset(hourIndex: number): number {
    let offset = cache.get(hourIndex);
    if (offset === undefined) {
      offset = computeOffset(hourIndex * MS_PER_HOUR);
      if (cache.size > 200_000) cache.clear();
      cache.set(hourIndex, offset);
    }
    return offset;
  }
  function offsetMs(atMs: number): number {
    // Most UTC days have one offset all day: two hourly look-ups settle it, then the day is cached.
    const dayIndex = Math.floor(atMs / MS_PER_DAY);
    let whole = dayCache.get(dayIndex);
    if (whole === undefined) {
      const first = hourOffset(dayIndex * 24);
      whole = first === hourOffset(dayIndex * 24 + 23) ? first : null; // at most one change a day
      if (dayCache.size > 100_000) dayCache.clear();
      dayCache.set(dayIndex, whole);
    }
    return whole ?? hourOffset(Math.floor(atMs / MS_PER_HOUR));
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
  function startOfDay(day: number): number {
    const guess = day * MS_PER_DAY;
    let utc = guess - offsetMs(guess);
    utc = guess - offsetMs(utc);
    return utc;
  }
  return { timeZone, offsetMs, buckets, dayOf, startOfDay };
}
