import { MS_PER_DAY } from '../time.js';
import type { StatsContext } from './context.js';
import type { ListeningStats } from './listening.js';
import type { createPatternStats } from './patterns.js';
import type { createSkipStats } from './skips.js';

type Patterns = ReturnType<typeof createPatternStats>;
type Skips = ReturnType<typeof createSkipStats>;

const dayOfDate = (date: string) => Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY;

/**
 * A year in review ("Wrapped") for any calendar year of the configured zone: totals, top 5 artists,
 * tracks and albums, the top month, the longest session, the most-skipped tracks, discoveries (artists
 * and tracks first played that year) and the listening clock (plays per hour of day). Composed from
 * the other stats modules over the year's range.
 */
export function createWrappedStats({ store, sql, accountFilter }: StatsContext,
  { summary, top, timeline }: Pick<ListeningStats, 'summary' | 'top' | 'timeline'>,
  { sessions, heatmap, discoveries }: Pick<Patterns, 'sessions' | 'heatmap' | 'discoveries'>, { skips }: Pick<Skips, 'skips'>) {
  /** The [from, to] ms of a calendar year in the configured zone. */
  function yearRange(year: number): { from: number; to: number } {
    return { from: store.tz.startOfDay(dayOfDate(`${year}-01-01`)), to: store.tz.startOfDay(dayOfDate(`${year + 1}-01-01`)) - 1 };
  }

  function wrapped(year: number, account: string | undefined) {
    const range = { ...yearRange(year), account };
    const totals = summary(range);
    const acc = accountFilter(range);
    const days = sql.get<{ n: number }>(`SELECT count(DISTINCT local_day) AS n FROM daily_stats WHERE local_day BETWEEN ? AND ? AND plays > 0${acc.clause}`,
      [dayOfDate(`${year}-01-01`), dayOfDate(`${year}-12-31`), ...acc.params])!.n;
    const months = timeline(range, 'month');
    const topMonth = [...months].sort((a, b) => b.ms_played - a.ms_played || b.plays - a.plays)[0] ?? null;
    const s = sessions(range, 1);
    const clock = heatmap(range, store.tz.timeZone).plays.reduce((hours, row) => hours.map((h, i) => h + (row[i] ?? 0)), new Array<number>(24).fill(0));
    const found = discoveries(range);
    // New artists of the year: first ever play inside it, ranked by their plays that year.
    const newArtists = sql.all<{ id: number; name: string; plays: number }>(`SELECT t.artist_id AS id, ar.name AS name, count(*) AS plays FROM streams s
      JOIN tracks t ON t.id = s.track_id JOIN artists ar ON ar.id = t.artist_id WHERE s.ended_at BETWEEN ? AND ? AND s.kind = 1 AND s.content = 0
      ${acc.clause.replace('account_id', 's.account_id')} AND t.artist_id IN (SELECT t2.artist_id FROM track_stats ts JOIN tracks t2 ON t2.id = ts.track_id
      WHERE ts.plays > 0${acc.clause.replace('account_id', 'ts.account_id')} GROUP BY t2.artist_id HAVING min(ts.first_at) BETWEEN ? AND ?)
      GROUP BY t.artist_id ORDER BY plays DESC LIMIT 5`, [range.from, range.to, ...acc.params, ...acc.params, range.from, range.to]);
    return {
      year, from: range.from, to: range.to,
      totals: { ...totals, days_listened: days },
      top_artists: top('artists', range, 5, 'plays'),
      top_tracks: top('tracks', range, 5, 'plays'),
      top_albums: top('albums', range, 5, 'plays'),
      top_month: topMonth ? { month: topMonth.start.slice(0, 7), plays: topMonth.plays, ms_played: topMonth.ms_played } : null,
      months: months.map((m) => ({ month: m.start.slice(0, 7), plays: m.plays, ms_played: m.ms_played })),
      longest_session: s.longest,
      most_skipped: skips(range, 5).tracks,
      discoveries: { new_artists: found.new_artists, new_tracks: found.new_tracks, top_new_artists: newArtists },
      clock,
    };
  }

  return { wrapped };
}
