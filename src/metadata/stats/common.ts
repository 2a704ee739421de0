import type { Range, StatsContext } from '../../stats/index.js';

/** Plays and listening time of one track in a range. */
export interface TrackPlays { track_id: number; plays: number; ms: number }

/**
 * Plays and listening time per track in a range, aggregated in SQL before any join (ARCHITECTURE.md
 * "Store rules"): from track_stats when the range covers every stream, else over the streams'
 * ended_at index. Only tracks with at least one play in the range; `ms` is all their music streams'
 * ms_played (as the top lists count it). The statistics join these rows with the per-track facts in JS.
 */
export function perTrack(ctx: StatsContext, range: Range): TrackPlays[] {
  const acc = ctx.accountFilter(range);
  const rows = ctx.coversAll(range)
    ? ctx.sql.values(`SELECT track_id, sum(plays) AS plays, sum(ms_played) AS ms FROM track_stats WHERE 1 = 1${acc.clause} GROUP BY track_id HAVING plays > 0`, acc.params)
    : ctx.sql.values(`SELECT track_id, sum(kind = 1) AS plays, sum(ms_played) AS ms FROM streams WHERE ended_at BETWEEN ? AND ? AND content = 0${acc.clause}
        GROUP BY track_id HAVING plays > 0`, [range.from, range.to, ...acc.params]);
  return (rows as number[][]).map(([track_id, plays, ms]) => ({ track_id: track_id!, plays: plays!, ms: ms! }));
}

/** How many of the range's plays the statistic could use (the rest: not resolved yet, or no data at MusicBrainz). */
export interface Coverage { plays: number; plays_with_data: number }

/** Coverage of `rows` by the tracks `has` knows. */
export function coverage(rows: TrackPlays[], has: (trackId: number) => boolean): Coverage {
  let plays = 0; let covered = 0;
  for (const r of rows) { plays += r.plays; if (has(r.track_id)) covered += r.plays; }
  return { plays, plays_with_data: covered };
}
