import { useApi } from '../api';
import { t, tn } from '../texts/genres';
import { bucketLabel, duration, num, pct } from '../format';
import { usePanel, acc } from '../context';
import { HistoryEnds, RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { Empty } from '../components/empty';
import { Toggle } from '../components/toggle';
import { RankMove } from '../components/rank-move';
import { LazyChart, STACK_COLOURS, fillBuckets } from '../components/chart';
import { CoverageLine, NotLookedUp, type Coverage } from '../components/metadata';

interface TopGenre { genre: string; plays: number; ms_played: number; rank: number; previous_rank: number | null }
interface Timeline { genres: string[]; buckets: { start: string; plays: number; plays_with_genre: number; shares: number[] }[] }
interface Eras { decades: { decade: number; plays: number; ms_played: number }[]; mean_year: number | null; coverage: Coverage }

const STREAM_TOP = 8;

/** A metadata card's body by what the range holds: plays with data, plays without data (lookups), no plays at all. */
function state(coverage: Coverage | undefined, n: number): 'data' | 'pending' | 'none' | null {
  if (!coverage) return null;
  if (coverage.plays === 0) return 'none';
  return n > 0 && coverage.plays_with_data > 0 ? 'data' : 'pending';
}

/** Top genres of the range with their movement against the previous equal period (▲2, ▼1, new). */
function TopGenres({ q, previous, by }: { q: string; previous: boolean; by: 'plays' | 'ms' }) {
  const top = useApi<{ items: TopGenre[]; coverage: Coverage }>(`stats/top/genres?${q}&limit=20&by=${by}`);
  const s = state(top.data?.coverage, top.data?.items.length ?? 0);
  if (top.error) return <p class="error" role="alert">{top.error}</p>;
  if (s === 'none') return <Empty testid="genres-empty" what={t('genres.none_in_range')} />;
  if (s === 'pending') return <NotLookedUp what="genres" />;
  if (!top.data) return <p class="loading" aria-busy="true">{t('loading')}</p>;
  return (
    <div class={`card ${top.loading ? 'stale' : ''}`}>
      <h3>{t('genres.top')}</h3>
      <ol class="toplist" data-testid="top-genres">
        {top.data.items.map((g) => {
          const move = !previous ? null : g.previous_rank === null ? 'new' : g.previous_rank - g.rank;
          return (
            <li key={g.genre}>
              <span class="rank">{g.rank}</span>
              <span class="what"><span class="title">{g.genre}</span></span>
              <span class="count">{by === 'ms' ? duration(g.ms_played) : tn('plays', g.plays, { n: num(g.plays) })}
                <RankMove move={move} />
              </span>
            </li>
          );
        })}
      </ol>
      <CoverageLine coverage={top.data.coverage} what="genres" testid="genres-coverage" />
    </div>
  );
}

/** The shares of the top genres over time, stacked (a streamgraph), with its legend as a list. */
function GenreStream({ q, fromDate, toDate, bucket, all }: { q: string; fromDate: string; toDate: string; bucket: 'week' | 'month'; all: boolean }) {
  const tl = useApi<Timeline>(`stats/genres/timeline?${q}&bucket=${bucket}&top=${STREAM_TOP}`);
  const d = tl.data;
  if (!d || d.genres.length === 0 || d.buckets.every((b) => b.plays_with_genre === 0)) return null;
  const names = [...d.genres, t('genres.other')];
  // All time spans the buckets with data (not up to today); a chosen range spans the whole range.
  const filled = fillBuckets(all ? d.buckets[0]!.start : fromDate, all ? d.buckets.at(-1)!.start : toDate, bucket, d.buckets.map((b) => ({ start: b.start, v: b })), { start: '', plays: 0, plays_with_genre: 0, shares: [] as number[] });
  const series = names.map((label, i) => ({ label, values: filled.values.map((b) => (b.plays_with_genre > 0 ? b.shares[i] ?? 0 : null)) }));
  const colours = [...STACK_COLOURS.slice(0, d.genres.length), STACK_COLOURS.at(-1)!];
  return (
    <div class="card" data-testid="genre-stream">
      <h3>{t('genres.stream')}</h3>
      <p class="hint">{t('genres.stream.hint')}</p>
      <LazyChart x={filled.x} kind="stacked" bucket={bucket} series={series} colours={colours} label={t('genres.stream')}
        yFormat={(v) => pct(v * 100)}
        tooltip={(i) => {
          const b = filled.values[i]!;
          if (b.plays_with_genre === 0) return `${bucketLabel(filled.dates[i]!, bucket)} · ${t('genres.no_genres')}`;
          const parts = names.map((n, j) => [n, b.shares[j] ?? 0] as const).filter(([, v]) => v > 0).sort((a, c) => c[1] - a[1]).slice(0, 3);
          return `${bucketLabel(filled.dates[i]!, bucket)} · ${parts.map(([n, v]) => `${n} ${pct(v * 100)}`).join(' · ')}`;
        }} />
      <ul class="legend" data-testid="genre-legend">
        {names.map((n, i) => <li key={n}><span class="swatch" style={{ background: colours[i] }} aria-hidden="true" />{n}</li>)}
      </ul>
    </div>
  );
}

/** Plays by the decade the music came out in, as bars with their values, and the mean release year. */
function ErasCard({ q }: { q: string }) {
  const e = useApi<Eras>(`stats/eras?${q}`);
  const s = state(e.data?.coverage, e.data?.decades.length ?? 0);
  if (!e.data || s === 'none') return null;
  if (s === 'pending') return <NotLookedUp what="eras" />;
  const total = e.data.decades.reduce((sum, d) => sum + d.plays, 0);
  const max = Math.max(1, ...e.data.decades.map((d) => d.plays));
  return (
    <div class={`card ${e.loading ? 'stale' : ''}`} data-testid="eras">
      <h3>{t('eras.title')}</h3>
      {e.data.mean_year !== null && <p data-testid="eras-mean">{t('eras.mean', { year: String(Math.round(e.data.mean_year)) })}</p>}
      <ul class="bars">
        {e.data.decades.map((d) => (
          <li key={d.decade} data-testid="era">
            <span class="label">{t('eras.decade', { decade: String(d.decade) })}</span>
            <span class="bar" aria-hidden="true"><span style={{ width: `${(100 * d.plays) / max}%` }} /></span>
            <span class="count">{tn('plays', d.plays, { n: num(d.plays) })} · {pct((100 * d.plays) / total)}</span>
          </li>
        ))}
      </ul>
      <CoverageLine coverage={e.data.coverage} what="eras" testid="eras-coverage" />
    </div>
  );
}

/** Genres: the top genres with their rank movement, their shares over time, and the eras of the music. */
export function GenresPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const [range, setRange] = useParam(route, 'range', '1y');
  const [by, setBy] = useParam(route, 'by', 'plays');
  const r = resolveRange(range, ctx);
  const q = `${acc(ctx)}&${rangeQuery(r)}`;
  return (
    <section class="page genres">
      <div class="controls">
        <RangePicker value={range} onChange={setRange} ctx={ctx} />
        <Toggle label={t('top.by')} value={by === 'ms' ? 'ms' : 'plays'} onChange={setBy} options={[['plays', t('top.by.plays')], ['ms', t('top.by.ms')]]} />
      </div>
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      {ctx.span.streams === 0 ? <Empty testid="genres-empty" /> : <>
        <TopGenres q={q} previous={r.previous !== null} by={by === 'ms' ? 'ms' : 'plays'} />
        <GenreStream q={q} fromDate={r.fromDate} toDate={r.toDate} bucket={r.bucket === 'month' ? 'month' : 'week'} all={range === 'all'} />
        <ErasCard q={q} />
      </>}
    </section>
  );
}
