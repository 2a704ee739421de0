import { useMemo, useState } from 'preact/hooks';
import { geoEqualEarth, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Feature, Geometry } from 'geojson';
// Natural Earth 1:110m country shapes from world-atlas, bundled into this page's chunk (no request at run time).
import world from 'world-atlas/countries-110m.json';
import { useApi } from '../api';
import { t, tn } from '../texts/map';
import { num, pct } from '../format';
import { usePanel, acc } from '../context';
import { HistoryEnds, RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { Empty } from '../components/empty';
import { CoverageLine, NotLookedUp, countryName, type Coverage } from '../components/metadata';

interface CountryRow { country: string; country_numeric: string | null; artists: number; plays: number; ms_played: number }

const WIDTH = 960;
const HEIGHT = 470;
/** Opacity of the accent colour per class (class 0: no plays). */
const SHADES = [0.18, 0.38, 0.58, 0.78, 1];

const topology = world as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
/** The shapes once per page load, projected to the SVG's box (Equal Earth: areas stay comparable). */
const shapes = (() => {
  const fc = feature(topology, topology.objects.countries) as unknown as { features: Feature<Geometry, { name: string }>[] };
  const features = fc.features.filter((f) => f.id !== '010'); // Antarctica: a third of the picture, no artists
  const path = geoPath(geoEqualEarth().fitSize([WIDTH, HEIGHT], { type: 'FeatureCollection', features }));
  return features.map((f) => ({ id: f.id === undefined ? null : String(f.id), d: path(f) ?? '' }));
})();

/**
 * Class limits for the legend: up to five classes of plays on a log scale from 1 to the maximum
 * (listening is heavy-tailed: one country often has most of it), each a whole number of plays.
 */
function classesOf(max: number): number[] {
  const n = Math.min(SHADES.length, Math.max(1, max));
  const limits: number[] = [];
  for (let i = 1; i <= n; i++) {
    const v = Math.round(Math.exp((Math.log(max) * i) / n));
    if (!limits.length || v > limits.at(-1)!) limits.push(v);
  }
  limits[limits.length - 1] = max;
  return limits;
}

/** The world map of where the played artists come from, its legend and a list of the same numbers. */
function WorldMap({ items }: { items: CountryRow[] }) {
  const [chosen, setChosen] = useState<string | null>(null);
  const byNumeric = useMemo(() => new Map(items.filter((c) => c.country_numeric).map((c) => [c.country_numeric!, c])), [items]);
  const limits = classesOf(Math.max(1, ...items.map((c) => c.plays)));
  const selected = items.find((c) => c.country === chosen) ?? null;
  const describe = (c: CountryRow) => `${countryName(c.country)}: ${tn('plays', c.plays, { n: num(c.plays) })}, ${tn('map.artists', c.artists, { n: num(c.artists) })}`;
  const legend = limits.map((l, i) => ({ from: i === 0 ? 1 : limits[i - 1]! + 1, to: l, shade: SHADES[SHADES.length - limits.length + i] ?? 1 }));
  const shadeOf = (plays: number) => legend.find((c) => plays <= c.to)?.shade ?? 1;
  return (
    <div class="card map-card">
      <svg class="world" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label={t('map.aria')} data-testid="world-map">
        {shapes.map((s, i) => {
          const c = s.id ? byNumeric.get(s.id) : undefined;
          if (!c) return <path key={i} d={s.d} class="land" aria-hidden="true" />;
          return <path key={i} d={s.d} class={`land played ${c.country === chosen ? 'chosen' : ''}`} style={{ fillOpacity: shadeOf(c.plays) }}
            tabindex={0} role="button" aria-label={describe(c)} aria-pressed={c.country === chosen} data-country={c.country}
            onClick={() => setChosen(c.country)} onFocus={() => setChosen(c.country)}
            onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); setChosen(c.country); } }} />;
        })}
      </svg>
      <p class="chosen-country" role="status" aria-live="polite" data-testid="map-chosen">{selected ? describe(selected) : t('map.choose')}</p>
      <div class="map-legend" data-testid="map-legend">
        <span class="unit">{t('map.legend')}</span>
        <ul>{legend.map((c) => <li key={c.to}><span class="swatch" style={{ opacity: c.shade }} aria-hidden="true" />
          {c.from === c.to ? num(c.to) : t('map.range', { from: num(c.from), to: num(c.to) })}</li>)}</ul>
      </div>
    </div>
  );
}

/** Map: a choropleth of the played artists' countries (plays of their tracks), with the same numbers as a list. */
export function MapPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const [range, setRange] = useParam(route, 'range', 'all');
  const r = resolveRange(range, ctx);
  const res = useApi<{ items: CountryRow[]; coverage: Coverage }>(`stats/countries?${acc(ctx)}&${rangeQuery(r)}`);
  const d = res.data;
  const total = d ? d.items.reduce((s, c) => s + c.plays, 0) : 0;
  const body = ctx.span.streams === 0 ? <Empty testid="map-empty" />
    : res.error ? <p class="error" role="alert">{res.error}</p>
      : !d ? <p class="loading" aria-busy="true">{t('loading')}</p>
        : d.coverage.plays === 0 ? <Empty testid="map-empty" what={t('map.none_in_range')} />
          : d.items.length === 0 ? <NotLookedUp what="countries" />
            : <>
              <WorldMap items={d.items} />
              <CoverageLine coverage={d.coverage} what="countries" testid="map-coverage" />
              <div class="card">
                <h3>{t('map.list')}</h3>
                <ol class="toplist" data-testid="country-list">
                  {d.items.map((c, i) => <li key={c.country} data-country={c.country}>
                    <span class="rank">{i + 1}</span>
                    <span class="what"><span class="title">{countryName(c.country)}</span><small>{tn('map.artists', c.artists, { n: num(c.artists) })}</small></span>
                    <span class="count">{tn('plays', c.plays, { n: num(c.plays) })}<small>{pct((100 * c.plays) / total)}</small></span>
                  </li>)}
                </ol>
              </div>
            </>;
  return (
    <section class={`page map ${res.loading ? 'stale' : ''}`}>
      <div class="controls"><RangePicker value={range} onChange={setRange} ctx={ctx} /></div>
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      <p class="hint">{t('map.intro')}</p>
      {body}
    </section>
  );
}
