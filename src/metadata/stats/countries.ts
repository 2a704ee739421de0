import type { Range, StatsContext } from '../../stats/index.js';
import { coverage, perTrack, type Coverage } from './common.js';
import type { TrackFactsCache } from './track-facts.js';
import { numericCodeOf } from '../country.js';

/**
 * One country: its ISO 3166-1 alpha-2 code, its ISO 3166-1 numeric code (three digits, the key of a
 * world map's shapes; null when it has none), the distinct artists from it that were played, and the
 * plays and ms of their tracks.
 */
export interface CountryRow { country: string; country_numeric: string | null; artists: number; plays: number; ms_played: number }

/**
 * Where the played artists come from (PRODUCT.md "country of an artist"). A play counts once for
 * each distinct country among its recording's credited artists (a duet of two British artists
 * counts once for GB; a British–American one once for each).
 */
export function createCountryStats(ctx: StatsContext, facts: TrackFactsCache) {
  function countries(range: Range): { items: CountryRow[]; coverage: Coverage } {
    const rows = perTrack(ctx, range);
    const f = facts.get();
    const out = new Map<string, { plays: number; ms: number; artists: Set<number> }>();
    for (const r of rows) {
      const list = f.countries.get(r.track_id);
      if (!list) continue;
      for (const country of new Set(list.map((c) => c.country))) {
        let e = out.get(country);
        if (!e) { e = { plays: 0, ms: 0, artists: new Set() }; out.set(country, e); }
        e.plays += r.plays; e.ms += r.ms;
      }
      for (const c of list) out.get(c.country)!.artists.add(c.artist_id);
    }
    const items = [...out].map(([country, e]) => ({ country, country_numeric: numericCodeOf(country), artists: e.artists.size, plays: e.plays, ms_played: e.ms }))
      .sort((a, b) => b.plays - a.plays || b.ms_played - a.ms_played || (a.country < b.country ? -1 : a.country > b.country ? 1 : 0)); // ISO codes: a plain compare, no ICU collation
    return { items, coverage: coverage(rows, (t) => f.countries.has(t)) };
  }
  return { countries };
}
