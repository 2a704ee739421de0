import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, isAbort, useApi } from '../api';
import { t, tn } from '../i18n';
import { bucketLabel, dec, duration, longDate, monthName, num, pct } from '../format';
import { usePanel, acc } from '../context';
import { RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { dateIn } from '../zone';
import { Art } from '../components/art';
import { EntityLink } from '../components/links';
import { Tile } from '../components/tiles';
import { Toggle } from '../components/toggle';
import { LazyChart, fillBuckets } from '../components/chart';
import { StreamRow, type StreamItem } from '../components/stream';
import { lazyPart } from '../lazy';

const EntityGenres = lazyPart(() => import('../components/metadata').then((m) => m.EntityGenres));

type Kind = 'artist' | 'track' | 'album';
interface Part { id: number; name: string; album_id: number | null; plays: number; skips: number; ms_played: number; skip_rate: number | null; art_url?: string | null }
interface Entity {
  kind: Kind; id: number; name: string; uri: string | null; spotify_url: string | null; art_url: string | null; duration_ms: number | null;
  artist: { id: number; name: string } | null; artists: { id: number; name: string }[]; album: { id: number; name: string; art_url: string | null } | null;
  totals: { plays: number; skips: number; ms_played: number; streams: number; skip_rate: number | null };
  first_at: number | null; last_at: number | null;
  months: { month: string; plays: number; skips: number; ms_played: number }[];
  best_months: { month: string; plays: number; ms_played: number }[];
  rank_history: { month: string; rank: number; plays: number }[];
  top_tracks: Part[]; top_albums: Part[]; tracks: Part[]; most_skipped: Part[];
  features: Record<string, number | string | null> | null;
}
const FEATURES = ['tempo_bpm', 'key', 'loudness_lufs', 'energy', 'danceability', 'valence', 'brightness', 'acousticness'] as const;

/** The entity's own log, paged. */
function EntityHistory({ kind, id, query, zone }: { kind: Kind; id: number; query: string; zone: string }) {
  const first = useApi<{ streams: StreamItem[]; next: string | null; total: number }>(`${kind}s/${id}/streams?limit=25&${query}`);
  const [extra, setExtra] = useState<{ rows: StreamItem[]; next: string | null; pages: number }>({ rows: [], next: null, pages: 0 });
  const [error, setError] = useState<string | null>(null);
  const ctl = useRef<AbortController | null>(null);
  useEffect(() => { ctl.current?.abort(); setExtra({ rows: [], next: null, pages: 0 }); }, [query]);
  useEffect(() => () => ctl.current?.abort(), []);
  const rows = [...(first.data?.streams ?? []), ...extra.rows];
  const next = extra.pages > 0 ? extra.next : first.data?.next ?? null;
  const more = () => {
    if (!next) return;
    ctl.current?.abort();
    const c = new AbortController(); ctl.current = c;
    api<{ streams: StreamItem[]; next: string | null }>(`${kind}s/${id}/streams?limit=25&${query}&before=${encodeURIComponent(next)}`, { signal: c.signal })
      .then((p) => { if (!c.signal.aborted) setExtra((e) => ({ rows: [...e.rows, ...p.streams], next: p.next, pages: e.pages + 1 })); })
      .catch((e) => { if (!isAbort(e)) setError(errorText(e)); });
  };
  return (
    <div class="card">
      <h3>{t('entity.history')}</h3>
      {first.data && <p class="count">{t('history.count', { shown: num(rows.length), total: num(first.data.total) })}</p>}
      {first.data && rows.length === 0 && <p class="hint">{t('empty.filter')}</p>}
      <ul class="streams" data-testid="entity-streams">{rows.map((s) => <StreamRow key={s.id} s={s} zone={zone} withDate />)}</ul>
      {error && <p class="error" role="alert">{error}</p>}
      {next && <button type="button" onClick={more} data-testid="entity-more">{t('history.more')}</button>}
    </div>
  );
}

/** Parts of an artist or album: tracks or albums with plays and skips. */
function Parts({ title, items, kind, range, testid, showSkips = false }: { title: string; items: Part[]; kind: 'track' | 'album'; range: string; testid: string; showSkips?: boolean }) {
  if (items.length === 0) return null;
  return (
    <div class="card"><h3>{title}</h3>
      <ol class="toplist" data-testid={testid}>{items.map((p, i) => <li key={p.id}>
        <span class="rank">{i + 1}</span>
        {p.art_url !== undefined && <Art url={p.art_url} name={p.name} size={36} />}
        <span class="what"><EntityLink kind={kind} id={p.id} range={range} class="title">{p.name}</EntityLink></span>
        <span class="count">{showSkips ? tn('skips', p.skips, { n: num(p.skips) }) : tn('plays', p.plays, { n: num(p.plays) })}
          {showSkips && p.skip_rate !== null && <small>{pct(p.skip_rate)}</small>}</span></li>)}</ol>
    </div>
  );
}

/**
 * An artist, track or album page (deep-linkable hash route): plays and listening time by month over
 * the range (toggle), first and last listen, best months, rank history, skip rate and most-skipped,
 * top tracks and albums, audio features where analysed, its own log, and "Open in Spotify".
 */
export function EntityPage({ kind, route }: { kind: Kind; route: Route }) {
  const ctx = usePanel();
  const id = Number(route.arg);
  const [range, setRange] = useParam(route, 'range', 'all');
  const [by, setBy] = useParam(route, 'by', 'plays');
  const r = resolveRange(range, ctx);
  const query = `${acc(ctx)}&${rangeQuery(r)}`;
  const { data: e, error } = useApi<Entity>(Number.isInteger(id) && id > 0 ? `${kind}s/${id}?${query}` : null);
  if (error) return <section class="page"><p class="error" role="alert">{error}</p></section>;
  if (!e) return <p class="loading" aria-busy="true">{t('loading')}</p>;
  const firstMonth = range === 'all' ? (e.months[0]?.month ?? dateIn(ctx.now, ctx.zone).slice(0, 7)) : r.fromDate.slice(0, 7);
  const lastMonth = range === 'all' ? (e.months.at(-1)?.month ?? firstMonth) : r.toDate.slice(0, 7);
  const filled = fillBuckets(`${firstMonth}-01`, `${lastMonth}-01`, 'month', e.months.map((m) => ({ start: `${m.month}-01`, v: m })), { month: '', plays: 0, skips: 0, ms_played: 0 });
  return (
    <section class={`page entity ${kind}`} data-testid="entity">
      <div class="card entity-head">
        <Art url={e.art_url} name={e.name} size={96} class="cover" />
        <div class="meta">
          <small class="kind">{t(`search.kind.${kind}`)}</small>
          <h2 class="title" data-testid="entity-name">{e.name}</h2>
          {kind !== 'artist' && e.artist && <p class="artists">{(e.artists.length ? e.artists : [e.artist]).map((a, i) => <span key={a.id}>{i > 0 ? ', ' : ''}
            <EntityLink kind="artist" id={a.id} range={range}>{a.name}</EntityLink></span>)}</p>}
          {kind === 'track' && e.album && <p class="album">{t('entity.on_album')} <EntityLink kind="album" id={e.album.id} range={range}>{e.album.name}</EntityLink></p>}
          {e.spotify_url && <a class="button" href={e.spotify_url} target="_blank" rel="noopener noreferrer">{t('entity.open_spotify')}</a>}
        </div>
      </div>
      {kind !== 'album' && <EntityGenres kind={kind} id={id} query={acc(ctx)} />}
      <div class="controls"><RangePicker value={range} onChange={setRange} ctx={ctx} /></div>
      <div class="tiles" data-testid="entity-tiles">
        <Tile label={t('overview.plays')} value={num(e.totals.plays)} testid="entity-plays" />
        <Tile label={t('overview.time')} value={duration(e.totals.ms_played)} />
        {ctx.span.lacks.includes('skips') ? <Tile label={t('overview.skips')} value="—" sub={t('lacks.skips.short')} />
          : <Tile label={t('entity.skip_rate')} value={e.totals.skip_rate === null ? '—' : pct(e.totals.skip_rate)} sub={tn('skips', e.totals.skips, { n: num(e.totals.skips) })} testid="entity-skip-rate" />}
        <Tile label={t('entity.first')} value={e.first_at ? longDate(e.first_at, ctx.zone) : '—'} />
        <Tile label={t('entity.last')} value={e.last_at ? longDate(e.last_at, ctx.zone) : '—'} />
      </div>
      {e.months.length > 0 && <div class="card">
        <div class="card-head"><h3>{t('entity.by_month')}</h3>
          <Toggle label={t('chart.show')} value={by as 'plays' | 'time'} onChange={setBy} options={[['plays', t('chart.plays')], ['time', t('chart.time')]]} /></div>
        <LazyChart x={filled.x} kind="bars" bucket="month" label={t('entity.by_month')}
          series={[{ label: by === 'time' ? t('chart.hours') : t('chart.plays'), values: filled.values.map((m) => (by === 'time' ? m.ms_played / 3_600_000 : m.plays)) }]}
          yFormat={(v) => (by === 'time' ? t('unit.h', { n: dec(v) }) : num(v))}
          tooltip={(i) => { const m = filled.values[i]!; return `${bucketLabel(filled.dates[i]!, 'month')} · ${duration(m.ms_played)} · ${tn('plays', m.plays, { n: num(m.plays) })}`; }} />
      </div>}
      <div class="two">
        {e.best_months.length > 0 && <div class="card"><h3>{t('entity.best_months')}</h3>
          <ol class="toplist" data-testid="best-months">{e.best_months.map((m) => <li key={m.month}><span class="what">{monthName(m.month, 'long')}</span>
            <span class="count">{tn('plays', m.plays, { n: num(m.plays) })}<small>{duration(m.ms_played)}</small></span></li>)}</ol></div>}
        {e.rank_history.length > 0 && <div class="card"><h3>{t(`entity.rank.${kind}`)}</h3>
          <ol class="ranks" data-testid="rank-history">{e.rank_history.map((m) => <li key={m.month}><span>{monthName(m.month)}</span><b>#{m.rank}</b></li>)}</ol></div>}
      </div>
      <Parts title={t('entity.top_tracks')} items={kind === 'album' ? e.tracks : e.top_tracks} kind="track" range={range} testid="entity-tracks" />
      {kind === 'artist' && <Parts title={t('entity.top_albums')} items={e.top_albums} kind="album" range={range} testid="entity-albums" />}
      {!ctx.span.lacks.includes('skips') && <Parts title={t('entity.most_skipped')} items={e.most_skipped} kind="track" range={range} testid="entity-skipped" showSkips />}
      {e.features && <div class="card"><h3>{t('entity.features')}</h3><dl class="status" data-testid="features">
        {FEATURES.filter((f) => e.features![f] !== null && e.features![f] !== undefined).flatMap((f) => [<dt key={`${f}-t`}>{t(`feature.${f}`)}</dt>,
          <dd key={`${f}-d`}>{typeof e.features![f] === 'number' ? dec(e.features![f] as number) : String(e.features![f])}</dd>])}</dl></div>}
      <EntityHistory kind={kind} id={id} query={query} zone={ctx.zone} />
    </section>
  );
}
