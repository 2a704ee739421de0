import { numberLocale, t } from './i18n';

const numberFormat = new Intl.NumberFormat(numberLocale);
const oneDecimal = new Intl.NumberFormat(numberLocale, { maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat(numberLocale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const wholePercent = new Intl.NumberFormat(numberLocale, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' });

export const num = (n: number) => numberFormat.format(n);
export const dec = (n: number) => oneDecimal.format(n);
/** A percentage given in % (33.3 → "33.3%" / "33,3 %"). */
export const pct = (value: number) => percentFormat.format(value / 100);
/** A change as a signed whole percentage ("+12%", "−4 %"). */
export const change = (ratio: number) => wholePercent.format(ratio);

/** Listening time for people: "42 min", "17 h 36 min", "3 d 4 h" (units from the dictionary). */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return t('unit.min', { n: num(minutes) });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${t('unit.h', { n: num(hours) })} ${t('unit.min', { n: num(minutes % 60) })}`;
  const days = Math.floor(hours / 24);
  return `${t('unit.d', { n: num(days) })} ${t('unit.h', { n: num(hours % 24) })}`;
}
/** Hours with one decimal, for chart axes. */
export const hours = (ms: number) => dec(ms / 3_600_000);

/** m:ss of a stream's listening. */
export const clock = (ms: number) => { const s = Math.max(0, Math.floor(ms / 1000)); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };

export const bytes = (n: number) => `${oneDecimal.format(n / 1e6)} MB`;

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${zone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) { f = new Intl.DateTimeFormat(numberLocale, { ...options, timeZone: zone }); cache.set(key, f); }
  return f;
}
/** "31 May 2026" (en-GB), "31. Mai 2026" (de). */
export const longDate = (ms: number, zone: string) => fmt(zone, { dateStyle: 'long' }).format(ms);
export const fullDate = (ms: number, zone: string) => fmt(zone, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
export const shortDate = (ms: number, zone: string) => fmt(zone, { dateStyle: 'medium' }).format(ms);
export const dateTime = (ms: number, zone: string) => fmt(zone, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
export const timeOfDay = (ms: number, zone: string) => fmt(zone, { timeStyle: 'short' }).format(ms);
/** A calendar month (YYYY-MM) as "Feb 2024". */
export const monthName = (month: string, style: 'short' | 'long' = 'short') => fmt('UTC', { month: style, year: 'numeric' }).format(Date.parse(`${month}-01T00:00:00Z`));
/** A calendar date (YYYY-MM-DD) as "3 Feb 2024". */
export const dayName = (date: string) => fmt('UTC', { dateStyle: 'medium' }).format(Date.parse(`${date}T00:00:00Z`));
/** Weekday names, Monday first. */
export const weekdays = (style: 'short' | 'long' = 'short') => Array.from({ length: 7 }, (_, i) => fmt('UTC', { weekday: style }).format(Date.UTC(2024, 0, 1 + i)));

/** A chart bucket's name: "Feb 2024", "week of 3 Feb 2024", "3 Feb 2024". */
export const bucketLabel = (date: string, bucket: 'day' | 'week' | 'month') =>
  bucket === 'month' ? monthName(date.slice(0, 7), 'long') : bucket === 'week' ? t('week_of', { date: dayName(date) }) : dayName(date);
