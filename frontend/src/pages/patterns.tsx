import { useApi } from '../api';
import { t, tn } from '../i18n';
import { duration, monthName, num, dayName } from '../format';
import { usePanel, acc } from '../context';
import { HistoryEnds, RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { addDays, dateIn, startOf } from '../zone';
import { Heatmap } from '../components/heatmap';
import { Empty } from '../components/empty';

interface Sessions { count: number; average_ms: number; longest: { started_at: number; ended_at: number; plays: number } | null;
  distribution: { min_minutes: number; max_minutes: number | null; count: number }[] }

/** Patterns: weekday × hour (and in 4-hour blocks), sessions, a year of days, discoveries per month. */
export function PatternsPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const [range, setRange] = useParam(route, 'range', '1y');
  const r = resolveRange(range, ctx);
  const q = `${acc(ctx)}&${rangeQuery(r)}`;
  const heat = useApi<{ plays: number[][] }>(`stats/heatmap?${q}&tz=${encodeURIComponent(ctx.zone)}`);
  const sessions = useApi<Sessions>(`sessions?${q}&limit=1`);
  const end = r.toDate;
  const yearStart = addDays(end, -364);
  const days = useApi<{ buckets: { start: string; ms_played: number }[] }>(`stats/timeline?${acc(ctx)}&bucket=day&from=${startOf(yearStart, ctx.zone)}&to=${r.to}`);
  const disc = useApi<{ months: { month: string; new_tracks: number; new_artists: number }[] }>(`stats/discoveries?${q}`);
  const total = heat.data?.plays.flat().reduce((a, b) => a + b, 0) ?? null;
  const byDay = new Map((days.data?.buckets ?? []).map((d) => [d.start, d.ms_played]));
  const maxDay = Math.max(1, ...byDay.values());
  const firstMonday = addDays(yearStart, -((new Date(`${yearStart}T00:00:00Z`).getUTCDay() + 6) % 7));
  const calendar: string[] = [];
  for (let d = firstMonday; d <= end; d = addDays(d, 1)) calendar.push(d);
  const plays = (v: number) => tn('plays', v, { n: num(v) });
  return (
    <section class="page patterns">
      <div class="controls"><RangePicker value={range} onChange={setRange} ctx={ctx} /></div>
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      {heat.error && <p class="error" role="alert">{heat.error}</p>}
      {total === 0 ? <Empty testid="patterns-empty" /> : <>
        {heat.data && <div class="card"><h3>{t('patterns.heatmap')}</h3><Heatmap grid={heat.data.plays} testid="heatmap" unit={plays} />
          <h3>{t('patterns.compact')}</h3><Heatmap grid={heat.data.plays} group={4} unit={plays} testid="heatmap-compact" /></div>}
        {sessions.data && <div class="card" data-testid="sessions">
          <h3>{t('patterns.sessions')}</h3>
          <p>{t('patterns.sessions.summary', { count: num(sessions.data.count), avg: duration(sessions.data.average_ms) })}</p>
          {sessions.data.longest && <p>{t('patterns.sessions.longest', { time: duration(sessions.data.longest.ended_at - sessions.data.longest.started_at),
            plays: plays(sessions.data.longest.plays), date: dayName(dateIn(sessions.data.longest.started_at, ctx.zone)) })}</p>}
          <div class="bars">{sessions.data.distribution.map((b) => <div key={b.min_minutes} class="barrow">
            <span>{b.max_minutes === null ? `≥ ${t('unit.min', { n: b.min_minutes })}` : `${b.min_minutes}–${t('unit.min', { n: b.max_minutes })}`}</span>
            <span class="bar" style={{ width: `${(100 * b.count) / Math.max(1, sessions.data!.count)}%` }} /><span>{num(b.count)}</span></div>)}</div>
        </div>}
        <div class="card"><h3>{t('patterns.calendar')}</h3>
          <div class="calendar" data-testid="calendar" role="img" aria-label={t('patterns.calendar')}>{calendar.map((d) => <span key={d} title={`${dayName(d)}: ${duration(byDay.get(d) ?? 0)}`}
            style={{ background: byDay.has(d) ? `color-mix(in srgb, var(--accent) ${Math.round(20 + (80 * (byDay.get(d) ?? 0)) / maxDay)}%, var(--cell))` : undefined }} />)}</div>
          <p class="legend"><span>{t('patterns.calendar.less')}</span><span class="scale" aria-hidden="true" /><span>{t('patterns.calendar.more', { max: duration(maxDay) })}</span></p>
        </div>
        {disc.data && disc.data.months.length > 0 && <div class="card"><h3>{t('patterns.discoveries')}</h3>
          <table class="simple"><thead><tr><th>{t('patterns.month')}</th><th>{t('patterns.new_artists')}</th><th>{t('patterns.new_tracks')}</th></tr></thead>
            <tbody>{[...disc.data.months].reverse().slice(0, 12).map((m) => <tr key={m.month}><td>{monthName(m.month)}</td><td>{num(m.new_artists)}</td><td>{num(m.new_tracks)}</td></tr>)}</tbody></table>
        </div>}
      </>}
    </section>
  );
}
