import { DateTime } from '../luxon.js';
import { BadParamError } from '../errors.js';

/** The periods a story covers: an ISO week (Monday first), a calendar month or a calendar year. */
export const PERIOD_KINDS = ['week', 'month', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** One period in the configured time zone, and the one before it (for changes and rank moves). */
export interface Period {
  kind: PeriodKind;
  /** First local day (YYYY-MM-DD): a Monday, the 1st of a month, or 1 January. */
  start: string;
  /** Last local day, inclusive (YYYY-MM-DD). */
  end: string;
  /** Local days in the period (7; 28–31; 365–366). */
  days: number;
  /** [from, to] in ms since the epoch, UTC, inclusive. */
  from: number;
  to: number;
  previous: { start: string; end: string; from: number; to: number };
}

const UNIT = { week: 'week', month: 'month', year: 'year' } as const;

function bounds(first: DateTime, kind: PeriodKind) {
  const next = first.plus({ [`${kind}s`]: 1 });
  return { start: first.toISODate()!, end: next.minus({ days: 1 }).toISODate()!, from: first.toMillis(), to: next.toMillis() - 1 };
}

/**
 * The period of `kind` that holds the local date `start` (any day of it: a week is found from its
 * Wednesday as well as its Monday), in `timeZone`. Without `start`: the last complete period before
 * `now` (last week on a Monday morning). Luxon's weeks are ISO weeks (Monday first).
 * @throws BadParamError when `start` is not a real date (YYYY-MM-DD).
 */
export function resolvePeriod(kind: PeriodKind, start: string | undefined, now: number, timeZone: string): Period {
  let anchor: DateTime;
  if (start === undefined) {
    anchor = DateTime.fromMillis(now, { zone: timeZone }).startOf(UNIT[kind]).minus({ [`${kind}s`]: 1 });
  } else {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw new BadParamError('start', start, 'a date such as 2024-08-05 (YYYY-MM-DD)');
    anchor = DateTime.fromISO(start, { zone: timeZone });
    if (!anchor.isValid) throw new BadParamError('start', start, 'a real date such as 2024-08-05 (YYYY-MM-DD)');
  }
  const first = anchor.startOf(UNIT[kind]);
  const current = bounds(first, kind);
  const previous = bounds(first.minus({ [`${kind}s`]: 1 }), kind);
  const days = Math.round(first.plus({ [`${kind}s`]: 1 }).diff(first, 'days').days);
  return { kind, ...current, days, previous };
}
