import { useApi } from '../api';
import { t, tn } from '../i18n';
import { bucketLabel, dec, duration, num } from '../format';
import { usePanel, acc } from '../context';
import { HistoryEnds, RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { Tile, versus } from '../components/tiles';
import { Empty } from '../components/empty';
import { Toggle } from '../components/toggle';
import { LazyChart, fillBuckets } from '../components/chart';
import { LatestStory } from '../components/latest-story';
import { lazyPart } from '../lazy';

// The metadata cards and their texts load in their own chunk (the first page stays small).
const ObscurityCard = lazyPart(() => import('../components/metadata').then((m) => m.ObscurityCard));

interface Summary { plays: number; listening_ms: number; skips: number; streams: number; distinct_tracks: number; distinct_artists: number }
interface Bucket { start: string; plays: number; skips: number; ms_played: number }

/** Overview: totals of a range against the previous equal period (change and the previous value), and listening over the range. */
export function OverviewPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const [range, setRange] = useParam(route, 'range', '4w');
  const [by, setBy] = useParam(route, 'by', 'time');
  const r = resolveRange(range, ctx);
  const q = acc(ctx);
  const cur = useApi<Summary>(`stats/summary?${q}&${rangeQuery(r)}`);
  const prev = useApi<Summary>(r.previous ? `stats/summary?${q}&${rangeQuery(r.previous)}` : null);
  const disc = useApi<{ new_artists: number }>(`stats/discoveries?${q}&${rangeQuery(r)}`);
  const prevDisc = useApi<{ new_artists: number }>(r.previous ? `stats/discoveries?${q}&${rangeQuery(r.previous)}` : null);
  const timeline = useApi<{ buckets: Bucket[] }>(`stats/timeline?${q}&bucket=${r.bucket}&${rangeQuery(r)}`);
  const noSkips = ctx.span.lacks.includes('skips');
  const c = cur.data; const p = r.previous ? prev.data : null;
  const tiles: [string, string, number, (n: number) => string, number | undefined][] = c ? [
    ['plays', t('overview.plays'), c.plays, num, p?.plays], ['time', t('overview.time'), c.listening_ms, duration, p?.listening_ms],
    ['skips', t('overview.skips'), c.skips, num, p?.skips], ['artists', t('overview.artists'), c.distinct_artists, num, p?.distinct_artists],
    ['tracks', t('overview.tracks'), c.distinct_tracks, num, p?.distinct_tracks], ['new_artists', t('overview.new_artists'), disc.data?.new_artists ?? 0, num, prevDisc.data?.new_artists],
  ] : [];
  const filled = timeline.data ? fillBuckets(r.fromDate, r.toDate, r.bucket, timeline.data.buckets.map((b) => ({ start: b.start, v: b })), { start: '', plays: 0, skips: 0, ms_played: 0 }) : null;
  const chartSeries = filled ? [{ label: by === 'plays' ? t('chart.plays') : t('chart.hours'), values: filled.values.map((b) => (by === 'plays' ? b.plays : b.ms_played / 3_600_000)) }] : [];
  return (
    <section class="page overview">
      <div class="controls"><RangePicker value={range} onChange={setRange} ctx={ctx} /></div>
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      {cur.error && <p class="error" role="alert">{cur.error}</p>}
      {c && c.streams === 0 ? <Empty testid="overview-empty" /> : (
        <>
          <div class={`tiles ${cur.loading ? 'stale' : ''}`} data-testid="overview-tiles" aria-busy={cur.loading}>
            {tiles.map(([key, label, value, fmt, before]) => (
              <Tile key={key} testid={`tile-${key}`} label={label}
                value={key === 'skips' && noSkips ? '—' : fmt(value)}
                sub={key === 'skips' && noSkips ? t('lacks.skips.short') : undefined}
                prevValue={before === undefined || (key === 'skips' && noSkips) ? undefined : versus(value, before, fmt)} />
            ))}
          </div>
          <LatestStory />
          <ObscurityCard query={`${q}&${rangeQuery(r)}`} />
          {filled && <div class="card">
            <div class="card-head"><h3>{t('overview.timeline')}</h3>
              <Toggle label={t('chart.show')} value={by as 'time' | 'plays'} onChange={setBy} options={[['time', t('chart.time')], ['plays', t('chart.plays')]]} /></div>
            <LazyChart x={filled.x} kind="bars" bucket={r.bucket} series={chartSeries} label={t('overview.timeline')}
              yFormat={(v) => (by === 'plays' ? num(v) : t('unit.h', { n: dec(v) }))}
              tooltip={(i) => { const b = filled.values[i]!; return `${bucketLabel(filled.dates[i]!, r.bucket)} · ${duration(b.ms_played)} · ${tn('plays', b.plays, { n: num(b.plays) })}`; }} />
          </div>}
        </>
      )}
    </section>
  );
}
