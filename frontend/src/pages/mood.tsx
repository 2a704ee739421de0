import { useApi } from '../api';
import { t } from '../i18n';
import { dec, num, pct, bucketLabel } from '../format';
import { usePanel, acc } from '../context';
import type { Route } from '../router';
import { LazyChart } from '../components/chart';
import { EntityLink } from '../components/links';

interface Vec { energy: number; valence: number; danceability: number; tempo_bpm: number }
interface Mood {
  plays_with_features: number; plays: number; coverage: number; week: Vec | null; baseline: Vec | null;
  weekly: ({ week: string } & Partial<Vec>)[]; tempo: { bpm: number; plays: number }[]; keys: { key: string; plays: number }[];
  outliers: { track_id: number; name?: string; artist_name?: string | null; distance: number }[];
}

const AXES: (keyof Vec)[] = ['energy', 'valence', 'danceability', 'tempo_bpm'];
const norm = (k: keyof Vec, v: number) => (k === 'tempo_bpm' ? Math.max(0, Math.min(1, (v - 60) / 140)) : v);

/** A small SVG radar of the week against the baseline (0..1 per axis; tempo 60–200 BPM). */
function Radar({ week, baseline }: { week: Vec | null; baseline: Vec | null }) {
  const size = 240; const c = size / 2; const r = c - 44;
  const point = (i: number, v: number) => { const a = (Math.PI * 2 * i) / AXES.length - Math.PI / 2; return [c + Math.cos(a) * r * v, c + Math.sin(a) * r * v]; };
  const poly = (vec: Vec) => AXES.map((k, i) => point(i, norm(k, vec[k])).join(',')).join(' ');
  return (
    <svg viewBox={`0 0 ${size} ${size}`} class="radar" role="img" aria-label={t('mood.radar')} data-testid="radar">
      {[0.25, 0.5, 0.75, 1].map((g) => <polygon key={g} points={AXES.map((_, i) => point(i, g).join(',')).join(' ')} class="grid" />)}
      {AXES.map((k, i) => { const [x, y] = point(i, 1.18); return <text key={k} x={x} y={y} text-anchor="middle">{t(`mood.${k}`)}</text>; })}
      {baseline && <polygon points={poly(baseline)} class="baseline" />}
      {week && <polygon points={poly(week)} class="week" />}
    </svg>
  );
}

/** Mood: the week's energy, valence, danceability and tempo against the 6-month baseline, the weekly trajectory, tempo and key distributions, outliers. */
export function MoodPage(_: { route: Route }) {
  const ctx = usePanel();
  const { data: mood, error } = useApi<Mood>(`stats/mood?${acc(ctx)}`);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!mood) return null;
  if (mood.plays_with_features === 0) {
    return <div class="card empty" data-testid="mood-empty"><h3>{t('mood.empty.title')}</h3><p>{t('mood.empty.body')}</p><a class="button" href="#/settings">{t('nav.settings')}</a></div>;
  }
  const maxTempo = Math.max(1, ...mood.tempo.map((b) => b.plays));
  const x = mood.weekly.map((w) => Date.parse(`${w.week}T00:00:00Z`) / 1000);
  const series = AXES.map((k) => ({ label: t(`mood.${k}`), values: mood.weekly.map((w) => (w[k] === undefined ? null : norm(k, w[k]!))) }));
  return (
    <section class="page mood">
      <p class="hint">{t('mood.coverage', { pct: pct(mood.coverage), n: num(mood.plays_with_features) })}</p>
      <div class="card"><h3>{t('mood.radar')}</h3><Radar week={mood.week} baseline={mood.baseline} />
        <p class="legend"><span class="swatch week" /> {t('mood.week')} <span class="swatch baseline" /> {t('mood.baseline')}</p></div>
      {mood.weekly.length > 1 && <div class="card"><h3>{t('mood.trajectory')}</h3>
        <LazyChart x={x} kind="lines" bucket="week" series={series} label={t('mood.trajectory')} legend yFormat={(v) => dec(v)}
          tooltip={(i) => `${bucketLabel(mood.weekly[i]!.week, 'week')} · ${AXES.map((k, j) => `${t(`mood.${k}`)} ${dec(series[j]!.values[i] ?? 0)}`).join(' · ')}`} /></div>}
      <div class="card"><h3>{t('mood.tempo')}</h3>
        <div class="bars">{mood.tempo.map((b) => <div key={b.bpm} class="barrow"><span>{b.bpm}–{b.bpm + 9}</span>
          <span class="bar" style={{ width: `${(100 * b.plays) / maxTempo}%` }} /><span>{num(b.plays)}</span></div>)}</div></div>
      <div class="card"><h3>{t('mood.keys')}</h3><ol class="toplist">{mood.keys.slice(0, 12).map((k) => <li key={k.key}><span class="what">{k.key}</span><span class="count">{num(k.plays)}</span></li>)}</ol></div>
      <div class="card"><h3>{t('mood.outliers')}</h3><ol class="toplist" data-testid="outliers">{mood.outliers.map((o) => <li key={o.track_id}>
        <span class="what"><EntityLink kind="track" id={o.track_id} class="title">{o.name}</EntityLink>{o.artist_name && <small>{o.artist_name}</small>}</span>
        <span class="count">{dec(o.distance)}</span></li>)}</ol></div>
    </section>
  );
}
