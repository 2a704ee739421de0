import { useApi } from '../api';
import { t, tn } from '../i18n';
import { duration, num } from '../format';
import { usePanel, acc } from '../context';
import { HistoryEnds, RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { Art } from '../components/art';
import { EntityLink } from '../components/links';
import { Empty } from '../components/empty';
import { Toggle } from '../components/toggle';
import { RankMove } from '../components/rank-move';

interface Item { rank: number; id: number; name: string; artist_name: string | null; artist_id?: number | null; album_id?: number | null; plays: number; ms_played: number; art_url: string | null }

/** Top tracks, artists and albums by plays or time, with art and the rank movement against the previous equal period. */
export function TopPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const [range, setRange] = useParam(route, 'range', '4w');
  const [what, setWhat] = useParam(route, 'what', 'tracks');
  const [by, setBy] = useParam(route, 'by', 'plays');
  const r = resolveRange(range, ctx);
  const kind = (['tracks', 'artists', 'albums'].includes(what) ? what : 'tracks') as 'tracks' | 'artists' | 'albums';
  const q = `${acc(ctx)}&by=${by === 'ms' ? 'ms' : 'plays'}`;
  const cur = useApi<{ items: Item[] }>(`stats/top/${kind}?${q}&limit=50&${rangeQuery(r)}`);
  const prev = useApi<{ items: Item[] }>(r.previous ? `stats/top/${kind}?${q}&limit=200&${rangeQuery(r.previous)}` : null);
  const before = new Map((r.previous ? prev.data?.items ?? [] : []).map((i) => [i.id, i.rank]));
  const entity = kind === 'tracks' ? 'track' : kind === 'artists' ? 'artist' : 'album';
  const noAlbums = kind === 'albums' && ctx.span.lacks.includes('albums');
  return (
    <section class="page top">
      <div class="controls">
        <RangePicker value={range} onChange={setRange} ctx={ctx} />
        <Toggle label={t('top.what')} value={kind} onChange={setWhat} options={[['tracks', t('top.tracks')], ['artists', t('top.artists')], ['albums', t('top.albums')]]} />
        <Toggle label={t('top.by')} value={by === 'ms' ? 'ms' : 'plays'} onChange={setBy} options={[['plays', t('top.by.plays')], ['ms', t('top.by.ms')]]} />
      </div>
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      {noAlbums && <p class="card hint" data-testid="lacks-albums">{t('lacks.albums')}</p>}
      {cur.error && <p class="error" role="alert">{cur.error}</p>}
      {cur.data && cur.data.items.length === 0 && !noAlbums ? <Empty testid="top-empty" /> : (
        <ol class={`card toplist ${cur.loading ? 'stale' : ''}`} data-testid="top" aria-busy={cur.loading}>
          {cur.data?.items.map((i) => {
            const was = before.get(i.id);
            const move = !r.previous || prev.loading ? null : was === undefined ? 'new' : was - i.rank;
            return (
              <li key={i.id}>
                <span class="rank">{i.rank}</span>
                <Art url={i.art_url} name={i.name} size={44} />
                <span class="what">
                  <EntityLink kind={entity} id={i.id} range={range} class="title">{i.name}</EntityLink>
                  {kind !== 'artists' && i.artist_name && <small><EntityLink kind="artist" id={i.artist_id} range={range}>{i.artist_name}</EntityLink></small>}
                </span>
                <span class="count">{by === 'ms' ? duration(i.ms_played) : tn('plays', i.plays, { n: num(i.plays) })}
                  <RankMove move={move} />
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
