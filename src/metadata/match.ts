import { nameKey } from '../store/index.js';
import type { MbRecording } from './musicbrainz.js';

/**
 * Deciding whether a candidate recording IS the track (never guessing): names compared after the
 * store's normalisation (case, diacritics, punctuation, "feat." credits and "- Remastered" suffixes
 * do not matter), then by the Sørensen–Dice coefficient of character bigrams.
 */

/** What we know of the track being resolved. */
export interface TrackQuery { title: string; artist: string; album: string | null; duration_ms: number | null }

/** Least name similarity for a search or ISRC candidate (title and artist alike). */
export const NAME_MIN = 0.85;
/** Least similarity for ListenBrainz's own (fuzzy) match to be accepted; it already weighed the names. */
export const LOOKUP_NAME_MIN = 0.5;
/** Lengths may differ by this much (ms): edits, pregaps, fades. */
export const DURATION_TOLERANCE_MS = 7_000;
/** Least MusicBrainz search score (0–100) for a candidate to be considered. */
export const SEARCH_SCORE_MIN = 80;

function bigrams(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const s = text.replace(/\s+/g, ' ');
  for (let i = 0; i < s.length - 1; i++) {
    const g = s.slice(i, i + 2);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/**
 * Similarity of two names in [0, 1]: 1 when equal after normalisation or when one is the other plus
 * whole words ("Artist" in "Artist and Friend"); else 2·|common bigrams| / (|a| + |b|).
 */
export function similarity(a: string, b: string): number {
  const x = nameKey(a);
  const y = nameKey(b);
  if (x === y) return 1;
  if (x.length === 0 || y.length === 0) return 0;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (` ${long} `.includes(` ${short} `) && short.length >= 3) return 1;
  const gx = bigrams(x);
  const gy = bigrams(y);
  let common = 0;
  let total = 0;
  for (const [g, n] of gx) { common += Math.min(n, gy.get(g) ?? 0); total += n; }
  for (const n of gy.values()) total += n;
  return total === 0 ? 0 : (2 * common) / total;
}

/** How well a candidate's credits name the track's artist: the best of each credited name and the whole credit. */
function artistSimilarity(query: TrackQuery, c: MbRecording): number {
  return Math.max(similarity(query.artist, c.credit_name), ...c.artists.map((a) => similarity(query.artist, a.name)), 0);
}

/**
 * The candidate that is the track, or why there is none. A candidate qualifies when its title and
 * artist are at least `nameMin` ({@link NAME_MIN}; ISRC candidates: {@link LOOKUP_NAME_MIN}) similar, its length within {@link DURATION_TOLERANCE_MS} when
 * both lengths are known, and (search) its score at least {@link SEARCH_SCORE_MIN}. Among those: a
 * release named like the track's album first, then the closest length, then the best score.
 */
export function pickRecording(query: TrackQuery, candidates: MbRecording[], { nameMin = NAME_MIN } = {}): { recording: MbRecording | null; reason: string | null } {
  if (candidates.length === 0) return { recording: null, reason: 'MusicBrainz has no recording by that name' };
  const named = candidates.filter((c) => (c.score === null || c.score >= SEARCH_SCORE_MIN)
    && similarity(query.title, c.title) >= nameMin && artistSimilarity(query, c) >= nameMin);
  if (named.length === 0) return { recording: null, reason: 'no MusicBrainz recording has this title and artist' };
  const timed = named.filter((c) => query.duration_ms === null || c.length_ms === null || Math.abs(c.length_ms - query.duration_ms) <= DURATION_TOLERANCE_MS);
  if (timed.length === 0) return { recording: null, reason: 'the MusicBrainz recordings of this name differ in length' };
  const albumMatch = (c: MbRecording) => (query.album && c.release_titles.some((t) => similarity(query.album!, t) >= NAME_MIN) ? 1 : 0);
  const gap = (c: MbRecording) => (query.duration_ms === null || c.length_ms === null ? DURATION_TOLERANCE_MS : Math.abs(c.length_ms - query.duration_ms));
  timed.sort((a, b) => albumMatch(b) - albumMatch(a) || gap(a) - gap(b) || (b.score ?? 0) - (a.score ?? 0) || a.mbid.localeCompare(b.mbid));
  return { recording: timed[0]!, reason: null };
}

/** Whether ListenBrainz's match names the track (its matcher is fuzzy; a match on another song is refused). */
export function acceptLookup(query: TrackQuery, match: { recording_name: string | null; artist_credit_name: string | null }): boolean {
  if (!match.recording_name) return false;
  return similarity(query.title, match.recording_name) >= LOOKUP_NAME_MIN
    && (match.artist_credit_name === null || similarity(query.artist, match.artist_credit_name) >= LOOKUP_NAME_MIN);
}
