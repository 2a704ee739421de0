import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { t, lang } from '../i18n';
import { minutes, num } from '../format';
import { RangePicker, rangeOf } from '../range';

const weekdays = Array.from({ length: 7 }, (_, i) => new Intl.DateTimeFormat(lang, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + i))));

/** A weekday × hour grid (Monday first); `group` merges hours (4 → six 4-hour blocks). */
export function Heatmap({ grid, group = 1, testid }: { grid: number[][]; group?: number; testid?: string }) {
  const cols = 24 / group;
  const cells = grid.map((row) => Array.from({ length: cols }, (_, c) => row.slice(c * group, (c + 1) * group).reduce((a, b) => a + b, 0)));
  const max = Math.max(1, ...cells.flat());
  return (
    <table class="heatmap" data-testid={testid}>
      <thead><tr><th />{Array.from({ length: cols }, (_, c) => <th key={c}>{c * group}</th>)}</tr></thead>
      <tbody>{cells.map((row, d) => (
        <tr key={d}><th>{weekdays[d]}</th>{row.map((v, h) => <td key={h} title={`${weekdays[d]} ${h * group}:00 — ${num(v)}`}
          style={{ background: `color-mix(in srgb, var(--accent) ${Math.round((100 * v) / max)}%, transparent)` }} />)}</tr>
      ))}</tbody>
    </table>
  );
}

interface Sessions { count: number; average_ms: number; longest: { started_at: number; ended_at: number; plays: number } | null;
  distribution: { min_minutes: number; max_minutes: number | null; count: number }[] }

/** Patterns: hour × weekday heatmap (and the compact 6 × 4-hour view), sessions, a year of days, discoveries. */
export function PatternsPage({ account }: { account: string }) {
  const [range, setRange] = useState('1y');
  const [heat, setHeat] = useState<number[][] | null>(null);
  const [sessions, setSessions] = useState<Sessions | null>(null);
  const [days, setDays] = useState<{ start: string; ms_played: number }[]>([]);
  const [disc, setDisc] = useState<{ month: string; new_tracks: number; new_artists: number }[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const { from, to } = rangeOf(range);
    const q = `account=${account}&from=${from}&to=${to}`;
    Promise.all([api<{ plays: number[][] }>(`stats/heatmap?${q}&tz=${encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone)}`),
      api<Sessions>(`sessions?${q}&limit=1`), api<{ buckets: { start: string; ms_played: number }[] }>(`stats/timeline?account=${account}&bucket=day&from=${Date.now() - 365 * 86_400_000}`),
      api<{ months: { month: string; new_tracks: number; new_artists: number }[] }>(`stats/discoveries?${q}`)])
      .then(([h, s, d, di]) => { setHeat(h.plays); setSessions(s); setDays(d.buckets); setDisc(di.months.slice(-12)); setError(null); })
      .catch((e: Error) => setError(e.message));
  }, [account, range]);
  const byDay = new Map(days.map((d) => [d.start, d.ms_played]));
  const maxDay = Math.max(1, ...days.map((d) => d.ms_played));
  const start = new Date(); start.setUTCHours(0, 0, 0, 0); start.setUTCDate(start.getUTCDate() - 364 - ((start.getUTCDay() + 6) % 7));
  const calendar = Array.from({ length: 371 }, (_, i) => { const d = new Date(start.getTime() + i * 86_400_000); return d.toISOString().slice(0, 10); });
  return (
    <section class="page patterns">
      <RangePicker value={range} onChange={setRange} />
      {error && <p class="error" role="alert">{t('error', { message: error })}</p>}
      {heat && <div class="card"><h3>{t('patterns.heatmap')}</h3><Heatmap grid={heat} testid="heatmap" /><h3>{t('patterns.compact')}</h3><Heatmap grid={heat} group={4} /></div>}
      {sessions && <div class="card" data-testid="sessions">
        <h3>{t('patterns.sessions')}</h3>
        <p>{t('patterns.sessions.summary', { count: num(sessions.count), avg: minutes(sessions.average_ms) })}</p>
        {sessions.longest && <p>{t('patterns.sessions.longest', { min: minutes(sessions.longest.ended_at - sessions.longest.started_at), plays: num(sessions.longest.plays) })}</p>}
        <div class="bars">{sessions.distribution.map((b) => <div key={b.min_minutes} class="barrow">
          <span>{b.max_minutes === null ? `≥ ${b.min_minutes}` : `${b.min_minutes}–${b.max_minutes}`} min</span>
          <span class="bar" style={{ width: `${(100 * b.count) / Math.max(1, sessions.count)}%` }} /><span>{num(b.count)}</span></div>)}</div>
      </div>}
      <div class="card"><h3>{t('patterns.calendar')}</h3>
        <div class="calendar" data-testid="calendar">{calendar.map((d) => <span key={d} title={`${d}: ${minutes(byDay.get(d) ?? 0)} min`}
          style={{ background: byDay.has(d) ? `color-mix(in srgb, var(--accent) ${Math.round(20 + (80 * (byDay.get(d) ?? 0)) / maxDay)}%, transparent)` : undefined }} />)}</div>
      </div>
      <div class="card"><h3>{t('patterns.discoveries')}</h3>
        <table class="simple"><thead><tr><th>{t('patterns.month')}</th><th>{t('patterns.new_artists')}</th><th>{t('patterns.new_tracks')}</th></tr></thead>
          <tbody>{disc.map((m) => <tr key={m.month}><td>{m.month}</td><td>{num(m.new_artists)}</td><td>{num(m.new_tracks)}</td></tr>)}</tbody></table>
      </div>
    </section>
  );
}
