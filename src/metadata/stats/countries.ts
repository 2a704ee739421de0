import type { Range, StatsContext } from '../../stats/index.js';
import { coverage, perTrack, type Coverage } from './common.js';

/** One country: its ISO 3166-1 alpha-2 code, the distinct artists from it that were played, and the plays and ms of their tracks. */
export interface CountryRow { country: string; artists: number; plays: number; ms_played: number }

/**
 * Where the played artists come from (PRODUCT.md "country of an artist"). A play counts once for
 * each distinct country among its recording's credited artists (a duet of two British artists
 * counts once for GB; a British–American one once for each).
 */
export function createCountryStats(ctx: StatsContext) {
  function countries(range: Range): { items: CountryRow[]; coverage: Coverage } {
    const agg = perTrack(ctx, range);
    const plays = ctx.sql.all<{ country: string; plays: number; ms: number }>(`SELECT c.country AS country, sum(a.plays) AS plays, sum(a.ms) AS ms
      FROM (${agg.sql}) a JOIN (SELECT track_id, country FROM mb_track_countries GROUP BY track_id, country) c ON c.track_id = a.track_id
      GROUP BY c.country`, agg.params);
    const artists = new Map(ctx.sql.all<{ country: string; n: number }>(`SELECT c.country AS country, count(DISTINCT c.artist_id) AS n
      FROM (${agg.sql}) a JOIN mb_track_countries c ON c.track_id = a.track_id GROUP BY c.country`, agg.params).map((r) => [r.country, r.n]));
    const items = plays.map((r) => ({ country: r.country, artists: artists.get(r.country) ?? 0, plays: r.plays, ms_played: r.ms }))
      .sort((a, b) => b.plays - a.plays || b.ms_played - a.ms_played || a.country.localeCompare(b.country));
    return { items, coverage: coverage(ctx, agg, 'mb_track_countries') };
  }
  return { countries };
}
