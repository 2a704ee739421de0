import { t } from './i18n';
import { dayName, monthName } from './format';
import { addDays, addMonths, dateIn } from './zone';
import type { PanelContext } from './context';

/** The periods a story covers (the server's src/stats/facts-period.ts): an ISO week (Monday first), a calendar month, a calendar year. */
export type PeriodKind = 'week' | 'month' | 'year';
export const PERIOD_KINDS: readonly PeriodKind[] = ['week', 'month', 'year'];
export const isPeriodKind = (v: string): v is PeriodKind => (PERIOD_KINDS as readonly string[]).includes(v);

/** The first day (YYYY-MM-DD) of the period holding `date`: its Monday, the 1st of its month, 1 January. */
export function periodStart(kind: PeriodKind, date: string): string {
  if (kind === 'year') return `${date.slice(0, 4)}-01-01`;
  if (kind === 'month') return `${date.slice(0, 7)}-01`;
  const dow = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(date, -dow);
}

/** The start of the period `n` periods after (negative: before) the one starting at `start`. */
export function shiftPeriod(kind: PeriodKind, start: string, n: number): string {
  if (kind === 'week') return addDays(start, 7 * n);
  return addMonths(start, kind === 'month' ? n : 12 * n);
}

/** The last day of the period starting at `start` (inclusive). */
export const periodEnd = (kind: PeriodKind, start: string) => addDays(shiftPeriod(kind, start, 1), -1);

/** A period's name for people: "Week of 7 Oct 2024", "October 2024", "2024". */
export function periodLabel(kind: PeriodKind, start: string): string {
  if (kind === 'year') return start.slice(0, 4);
  if (kind === 'month') return monthName(start.slice(0, 7), 'long');
  return t('story.week_of', { date: dayName(start) });
}

/** Today in Vibescope's time zone (the zone the server's periods are cut in). */
export const serverToday = (ctx: Pick<PanelContext, 'now' | 'span'>) => dateIn(ctx.now, ctx.span.time_zone);

/**
 * The period a story page opens on when the address names none and no story is stored: the last
 * complete period (the one the weekly story covers), or, for a history that ended earlier (an old
 * export), the period of its last day.
 */
export function defaultStart(kind: PeriodKind, ctx: Pick<PanelContext, 'now' | 'span'>): string {
  const lastComplete = shiftPeriod(kind, periodStart(kind, serverToday(ctx)), -1);
  const last = ctx.span.last_day ? periodStart(kind, ctx.span.last_day) : lastComplete;
  return last < lastComplete ? last : lastComplete;
}
