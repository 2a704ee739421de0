import type { Range, StatsContext } from '../../stats/index.js';
import { coverage, perTrack } from './common.js';
import type { TrackFactsCache } from './track-facts.js';

/** Listener counts (ListenBrainz total_user_count) below which a play counts as obscure, in the shares returned. */
export const LISTENER_THRESHOLDS = [100, 1_000, 10_000, 100_000] as const;
/** A recording with this many ListenBrainz listeners or more scores 0 obscurity; one with none scores 100. */
export const SCORE_REFERENCE_LISTENERS = 1_000_000;

/**
 * Obscurity of one recording, 0–100: 100 × (1 − log10(1 + listeners) / log10(1 + 1 000 000)), at
 * least 0. Logarithmic, as listener counts span six orders of magnitude (1 000 listeners → 50).
 */
export function obscurityOf(listeners: number): number {
  return Math.max(0, 100 * (1 - Math.log10(1 + listeners) / Math.log10(1 + SCORE_REFERENCE_LISTENERS)));
}

/** One of the most obscure tracks played in the range. */
export interface ObscureTrack { track_id: number; name: string; artist_name: string | null; listeners: number; plays: number }

/**
 * How obscure the listening is, from ListenBrainz popularity (total listeners per recording; a
 * recording ListenBrainz has no listens of counts as 0). Like MusicAnalyser's "hipster score", from a
 * source that still exists: `score` is the play-weighted mean of {@link obscurityOf}; `below` the
 * share of plays from recordings with fewer listeners than each of {@link LISTENER_THRESHOLDS};
 * `median_listeners` the play-weighted median. Only plays of tracks with known popularity count
 * (`coverage`); popularity needs a ListenBrainz token.
 */
export function createObscurityStats(ctx: StatsContext, facts: TrackFactsCache) {
  function obscurity(range: Range, limit: number) {
    const rows = perTrack(ctx, range);
    const f = facts.get();
    const known = rows.filter((r) => f.listeners.has(r.track_id)).map((r) => ({ ...r, listeners: f.listeners.get(r.track_id)! }))
      .sort((a, b) => a.listeners - b.listeners || b.plays - a.plays || a.track_id - b.track_id);
    const plays = known.reduce((s, r) => s + r.plays, 0);
    let median: number | null = null;
    let seen = 0;
    let score = 0;
    for (const r of known) {
      if (median === null && (seen += r.plays) * 2 >= plays) median = r.listeners;
      score += obscurityOf(r.listeners) * r.plays;
    }
    const below = LISTENER_THRESHOLDS.map((max) => {
      const n = known.filter((r) => r.listeners < max).reduce((s, r) => s + r.plays, 0);
      return { max_listeners: max, plays: n, share: plays > 0 ? Math.round((n / plays) * 10_000) / 10_000 : null };
    });
    const most = known.slice(0, limit).map((r) => {
      const t = ctx.sql.get<{ name: string; artist_name: string | null }>('SELECT t.name AS name, ar.name AS artist_name FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id = ?', [r.track_id]);
      return { track_id: r.track_id, name: t?.name ?? '', artist_name: t?.artist_name ?? null, listeners: r.listeners, plays: r.plays };
    });
    return { score: plays > 0 ? Math.round((score / plays) * 10) / 10 : null, median_listeners: median, below, most_obscure: most as ObscureTrack[],
      coverage: coverage(rows, (t) => f.listeners.has(t)) };
  }
  return { obscurity };
}
