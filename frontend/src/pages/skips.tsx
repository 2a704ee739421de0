import { useApi } from '../api';
import { t, tn } from '../i18n';
import { num, pct } from '../format';
import { usePanel, acc } from '../context';
import { HistoryEnds, RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { Heatmap } from '../components/heatmap';
import { EntityLink } from '../components/links';
import { Empty } from '../components/empty';
import { Tile } from '../components/tiles';

interface Row { id: number; name: string; artist_name?: string | null; artist_id?: number | null; skips: number; plays: number; skip_rate: number | null }
interface Skips { early_skips: number; later_skips: number; plays: number; tracks: Row[]; artists: Row[] }

/** Skips: how many and how early, the skip rate by weekday × hour, the most-skipped tracks and artists. */
export function SkipsPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const [range, setRange] = useParam(route, 'range', '6m');
  const r = resolveRange(range, ctx);
  const q = `${acc(ctx)}&${rangeQuery(r)}`;
  const lacks = ctx.span.lacks.includes('skips');
  const data = useApi<Skips>(lacks ? null : `stats/skips?${q}&limit=15`);
  const heat = useApi<{ plays: number[][]; skips: number[][] }>(lacks ? null : `stats/heatmap?${q}&tz=${encodeURIComponent(ctx.zone)}`);
  const d = data.data;
  const total = d ? d.early_skips + d.later_skips : 0;
  const rate = heat.data ? heat.data.skips.map((row, i) => row.map((k, h) => { const p = heat.data!.plays[i]![h]!; return k + p === 0 ? 0 : (100 * k) / (k + p); })) : null;
  if (lacks) return <section class="page skips"><p class="card hint" data-testid="lacks-skips">{t('lacks.skips')}</p></section>;
  return (
    <section class="page skips">
      <div class="controls"><RangePicker value={range} onChange={setRange} ctx={ctx} /></div>
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      {data.error && <p class="error" role="alert">{data.error}</p>}
      {d && total + d.plays === 0 ? <Empty testid="skips-empty" /> : d && <>
        <div class="tiles" data-testid="skip-tiles">
          <Tile label={t('skips.total')} value={num(total)} sub={total + d.plays ? t('skips.share', { pct: pct((100 * total) / (total + d.plays)) }) : undefined} />
          <Tile label={t('skips.early')} value={num(d.early_skips)} />
          <Tile label={t('skips.later')} value={num(d.later_skips)} />
        </div>
        {rate && <div class="card"><h3>{t('skips.rate')}</h3><Heatmap grid={rate} testid="skip-heatmap" unit={(v) => pct(v)} /></div>}
        {([['skips.tracks', d.tracks, 'track'], ['skips.artists', d.artists, 'artist']] as const).map(([title, rows, kind]) => (
          <div class="card" key={title}><h3>{t(title)}</h3>
            {rows.length === 0 ? <p class="hint">{t('empty.filter')}</p> : <ol class="toplist" data-testid={title}>{rows.map((row) => <li key={row.id}>
              <span class="what"><EntityLink kind={kind} id={row.id} class="title">{row.name}</EntityLink>
                {kind === 'track' && row.artist_name && <small><EntityLink kind="artist" id={row.artist_id}>{row.artist_name}</EntityLink></small>}</span>
              <span class="count">{tn('skips', row.skips, { n: num(row.skips) })}{row.skip_rate !== null && <small>{pct(row.skip_rate)}</small>}</span></li>)}</ol>}
          </div>
        ))}
      </>}
    </section>
  );
}
