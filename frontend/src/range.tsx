import { t } from './i18n';
import { addDays, dateIn, startOf } from './zone';
import { longDate, monthName, dayName } from './format';
import type { PanelContext } from './context';

export const DAY = 86_400_000;
/** Preset lengths in days (null = all time). */
export const PRESETS: Record<string, number | null> = { today: 1, '7d': 7, '4w': 28, '6m': 182, '1y': 365, all: null };

/** A resolved range: instants, its bucket size for charts, its previous equal period (none for all time). */
export interface ResolvedRange { value: string; from: number; to: number; fromDate: string; toDate: string; days: number | null;
  bucket: 'day' | 'week' | 'month'; previous: { from: number; to: number } | null }

/**
 * A range value: a preset (`4w`), a calendar year (`y:2024`), a month (`m:2024-05`) or custom dates
 * (`c:2024-01-01:2024-03-31`, both included), all in the panel's time zone.
 */
export function resolveRange(value: string, ctx: Pick<PanelContext, 'zone' | 'now' | 'span'>): ResolvedRange {
  const { zone, now, span } = ctx;
  const today = dateIn(now, zone);
  let fromDate: string; let toDate: string; let to: number;
  if (value.startsWith('y:')) { const y = value.slice(2); fromDate = `${y}-01-01`; toDate = `${y}-12-31`; to = startOf(addDays(toDate, 1), zone) - 1; }
  else if (value.startsWith('m:')) {
    const m = value.slice(2); fromDate = `${m}-01`;
    const next = new Date(`${m}-01T00:00:00Z`); next.setUTCMonth(next.getUTCMonth() + 1);
    toDate = addDays(next.toISOString().slice(0, 10), -1); to = startOf(addDays(toDate, 1), zone) - 1;
  } else if (value.startsWith('c:')) {
    const [, a = today, b = today] = value.split(':'); fromDate = a <= b ? a : b; toDate = a <= b ? b : a; to = startOf(addDays(toDate, 1), zone) - 1;
  } else {
    const days = PRESETS[value] === undefined ? 28 : PRESETS[value]!;
    toDate = today; to = now;
    fromDate = days === null ? (span.first_at === null ? today : dateIn(span.first_at, zone)) : addDays(today, -(days - 1));
  }
  const from = value === 'all' ? 0 : startOf(fromDate, zone);
  const days = value === 'all' ? null : Math.round((startOf(addDays(toDate, 1), zone) - startOf(fromDate, zone)) / DAY);
  const span_ = days ?? Math.max(1, Math.round((to - (span.first_at ?? to)) / DAY));
  const bucket = span_ <= 31 ? 'day' : span_ <= 190 ? 'week' : 'month';
  return { value, from, to, fromDate, toDate, days, bucket, previous: days === null ? null : { from: from - (to - from) - 1, to: from - 1 } };
}

/** The `from=…&to=…` of a range. */
export const rangeQuery = (r: { from: number; to: number }) => `from=${r.from}&to=${r.to}`;

/** The same length as `value`, ending on the last day with data (the "latest period with data"). */
export function latestWithData(value: string, ctx: Pick<PanelContext, 'zone' | 'now' | 'span'>): string | null {
  if (!ctx.span.last_day) return null;
  if (value.startsWith('y:')) return `y:${ctx.span.last_day.slice(0, 4)}`;
  if (value.startsWith('m:')) return `m:${ctx.span.last_day.slice(0, 7)}`;
  const r = resolveRange(value, ctx);
  const days = r.days ?? 28;
  return `c:${addDays(ctx.span.last_day, -(days - 1))}:${ctx.span.last_day}`;
}

/** A range's name for people ("4 weeks", "2024", "May 2024", "3 Feb 2024 – 1 Mar 2024"). */
export function rangeLabel(value: string): string {
  if (value.startsWith('y:')) return value.slice(2);
  if (value.startsWith('m:')) return monthName(value.slice(2), 'long');
  if (value.startsWith('c:')) { const [, a = '', b = ''] = value.split(':'); return a === b ? dayName(a) : `${dayName(a)} – ${dayName(b)}`; }
  return t(`range.${value}`);
}

/**
 * The range chooser: one select (presets, the years with data, custom dates) so it fits one row on a
 * phone; custom shows two date inputs.
 */
export function RangePicker({ value, onChange, ctx }: { value: string; onChange: (v: string) => void; ctx: PanelContext }) {
  const r = resolveRange(value, ctx);
  const custom = value.startsWith('c:') || value.startsWith('m:');
  const options = [...Object.keys(PRESETS).map((p) => [p, t(`range.${p}`)] as const), ...[...ctx.span.years].reverse().map((y) => [`y:${y}`, String(y)] as const)];
  const known = options.some(([v]) => v === value);
  const setDates = (a: string, b: string) => { if (/^\d{4}-\d{2}-\d{2}$/.test(a) && /^\d{4}-\d{2}-\d{2}$/.test(b)) onChange(`c:${a <= b ? a : b}:${a <= b ? b : a}`); };
  return (
    <div class="ranges" role="group" aria-label={t('range.label')}>
      <select aria-label={t('range.label')} value={known ? value : 'custom'} data-testid="range"
        onChange={(e) => { const v = (e.target as HTMLSelectElement).value; onChange(v === 'custom' ? `c:${r.fromDate}:${r.toDate}` : v); }}>
        {options.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
        <option value="custom">{known ? t('range.custom') : rangeLabel(value)}</option>
      </select>
      {custom && <span class="custom">
        <input type="date" aria-label={t('range.from')} value={r.fromDate} onChange={(e) => setDates((e.target as HTMLInputElement).value, r.toDate)} />
        <input type="date" aria-label={t('range.to')} value={r.toDate} onChange={(e) => setDates(r.fromDate, (e.target as HTMLInputElement).value)} />
      </span>}
    </div>
  );
}

/**
 * "Your history ends 31 May 2026" when the newest stream is older than the range, with the latest
 * period with data and All time one click away.
 */
export function HistoryEnds({ value, onChange, ctx }: { value: string; onChange: (v: string) => void; ctx: PanelContext }) {
  const { span } = ctx;
  if (span.last_at === null) return null;
  const r = resolveRange(value, ctx);
  if (span.last_at >= r.from) return null;
  const latest = latestWithData(value, ctx);
  return (
    <div class="card hint-card" role="status" data-testid="history-ends">
      <p>{t('history_ends', { date: longDate(span.last_at, ctx.zone) })}</p>
      <div class="row">
        {latest && <button class="primary" onClick={() => onChange(latest)}>{t('history_ends.latest', { range: rangeLabel(latest) })}</button>}
        {value !== 'all' && <button onClick={() => onChange('all')}>{t('range.all')}</button>}
      </div>
    </div>
  );
}
