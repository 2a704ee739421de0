import { useEffect, useState } from 'preact/hooks';
import { api, type Summary } from '../api';
import { t } from '../i18n';
import { minutes, num } from '../format';
import { TimeChart, fillBuckets } from '../chart';

import { RangePicker, rangeDays, rangeOf } from '../range';

function change(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? '±0 %' : '+∞';
  const pct = Math.round(((current - previous) / previous) * 100);
  return `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct)} %`;
}

/** Overview: totals of a range against the previous equal-length period, and listening over time. */
export function OverviewPage({ account }: { account: string }) {
  const [range, setRange] = useState('4w');
  const [data, setData] = useState<{ cur: Summary; prev: Summary | null; x: number[]; y: number[]; newArtists: number; prevNewArtists: number | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const days = rangeDays(range);
    const { from, to } = rangeOf(range);
    const bucket: 'day' | 'week' | 'month' = days === null || days > 182 ? 'month' : days > 28 ? 'week' : 'day';
    Promise.all([
      api<Summary>(`stats/summary?account=${account}&from=${from}&to=${to}`),
      days === null ? Promise.resolve(null) : api<Summary>(`stats/summary?account=${account}&from=${from - (to - from)}&to=${from - 1}`),
      api<{ buckets: { start: string; ms_played: number }[] }>(`stats/timeline?account=${account}&bucket=${bucket}&from=${from}&to=${to}`),
      api<{ new_artists: number }>(`stats/discoveries?account=${account}&from=${from}&to=${to}`),
      days === null ? Promise.resolve(null) : api<{ new_artists: number }>(`stats/discoveries?account=${account}&from=${from - (to - from)}&to=${from - 1}`),
    ]).then(([cur, prev, timeline, disc, prevDisc]) => {
      const filled = fillBuckets(timeline.buckets.map((b) => b.start), timeline.buckets.map((b) => b.ms_played / 3_600_000), bucket);
      setData({ cur, prev, ...filled, newArtists: disc.new_artists, prevNewArtists: prevDisc?.new_artists ?? null });
      setError(null);
    }).catch((e: Error) => setError(e.message));
  }, [range, account]);

  const tiles: [string, number, (n: number) => string][] = data ? [
    ['overview.plays', data.cur.plays, num], ['overview.time', data.cur.listening_ms, minutes], ['overview.skips', data.cur.skips, num],
    ['overview.artists', data.cur.distinct_artists, num], ['overview.tracks', data.cur.distinct_tracks, num],
    ['overview.new_artists', data.newArtists, num],
  ] : [];
  const prevOf: Record<string, number> = data?.prev ? { 'overview.plays': data.prev.plays, 'overview.time': data.prev.listening_ms,
    'overview.skips': data.prev.skips, 'overview.artists': data.prev.distinct_artists, 'overview.tracks': data.prev.distinct_tracks,
    'overview.new_artists': data.prevNewArtists ?? 0 } : {};
  return (
    <section class="page overview">
      <RangePicker value={range} onChange={setRange} />
      {error && <p class="error" role="alert">{t('error', { message: error })}</p>}
      {data && data.cur.streams === 0 && range === 'all' ? (
        <div class="card empty"><h3>{t('empty.title')}</h3><p>{t('empty.body')}</p><a href="#/settings">{t('nav.settings')}</a></div>
      ) : (
        <>
          <div class="tiles" data-testid="overview-tiles">
            {tiles.map(([key, value, fmt]) => (
              <div class="tile card" key={key}>
                <span>{t(key)}</span><b>{key === 'overview.time' ? `${fmt(value)} min` : fmt(value)}</b>
                {data?.prev && <small title={t('overview.vs')}>{change(value, prevOf[key] ?? 0)}</small>}
              </div>
            ))}
          </div>
          {data && <div class="card"><h3>{t('overview.timeline')}</h3><TimeChart x={data.x} y={data.y} label={t('overview.timeline')} /></div>}
        </>
      )}
    </section>
  );
}
