import { MS_PER_DAY } from '../time.js';
import type { CandidateInput } from './candidates.js';
import type { LikedTrack } from './liked.js';
import type { SeedProfile, TrackHistory } from './seed.js';

/** A track is a rediscovery once it has not been played for this long. */
export const REDISCOVERY_GAP_MS = 60 * MS_PER_DAY;
/** Loved before: at least this many plays … */
export const REDISCOVERY_MIN_PLAYS = 3;
/** … and at most this share of skips. */
export const REDISCOVERY_MAX_SKIP_RATE = 0.2;
/** Deep cuts come from this many top artists, and are tracks played once or twice. */
export const DEEP_CUT_ARTISTS = 15;
const CAP = { rediscoveries: 150, deep_cuts: 100, liked_not_played: 200 } as const;

/** The representative catalog track of each song (name key): the one with a URI and the most plays. */
function bySong(tracks: TrackHistory[]): Map<string, TrackHistory> {
  const out = new Map<string, TrackHistory>();
  for (const t of tracks) {
    const best = out.get(t.name_key);
    if (!best || (t.uri !== null && best.uri === null) || ((t.uri !== null) === (best.uri !== null) && t.plays > best.plays)) out.set(t.name_key, t);
  }
  return out;
}

function input(t: TrackHistory, prior: number, why: string): CandidateInput {
  return { uri: t.uri, track_id: t.track_id, name: t.name, artist_name: t.artist_name, album_name: t.album_name, image_url: t.image_url,
    duration_ms: t.duration_ms, isrc: t.isrc, name_key: t.name_key, prior, why };
}

/**
 * Candidates from the account's own history (issue "Vibe playlists", source 1):
 * - rediscoveries: songs loved before (>= 3 plays, <= 20 % skips) and not played for >= 60 days;
 * - deep cuts: songs of the top 15 artists played only once or twice, not in the recent window;
 * - liked songs (GET /me/tracks, cached) not played for 60 days, or never.
 * `date` formats a time as a local date for the sentences.
 */
export function historyCandidates(seed: SeedProfile, liked: LikedTrack[], now: number, date: (ms: number) => string) {
  const songs = bySong(seed.tracks);
  const rediscoveries: CandidateInput[] = [];
  const deepCuts: CandidateInput[] = [];
  for (const [key, t] of songs) {
    const agg = seed.byKey.get(key)!;
    const decided = agg.plays + agg.skips;
    if (agg.plays >= REDISCOVERY_MIN_PLAYS && agg.skips / decided <= REDISCOVERY_MAX_SKIP_RATE && (agg.last_at ?? 0) < now - REDISCOVERY_GAP_MS) {
      rediscoveries.push(input(t, 0.4 + 0.6 * Math.min(1, Math.log1p(agg.plays) / Math.log1p(25)),
        `Rediscovery: you played it ${agg.plays} times, last on ${date(agg.last_at ?? 0)}`));
    }
  }
  rediscoveries.sort((a, b) => b.prior - a.prior);

  const top = new Map(seed.topArtists.slice(0, DEEP_CUT_ARTISTS).map((a, i) => [a.key, { a, rank: i + 1 }]));
  for (const [key, t] of songs) {
    const artist = top.get(t.artist_key);
    const agg = seed.byKey.get(key)!;
    if (!artist || agg.plays < 1 || agg.plays > 2 || agg.skips >= 2 || seed.recentKeys.has(key)) continue;
    deepCuts.push(input(t, 0.35 + 0.3 * artist.a.affinity,
      `Deep cut: you played it ${agg.plays === 1 ? 'once' : 'twice'}, and ${artist.a.name} is your number ${artist.rank} artist lately`));
  }
  deepCuts.sort((a, b) => b.prior - a.prior);

  const likedNotPlayed: CandidateInput[] = [];
  for (const l of liked) {
    const agg = seed.byKey.get(l.name_key);
    if (agg?.last_at && agg.last_at >= now - REDISCOVERY_GAP_MS) continue;
    const never = !agg || agg.plays === 0;
    likedNotPlayed.push({ uri: l.uri, track_id: null, name: l.name, artist_name: l.artist_name, album_name: l.album_name, image_url: l.image_url,
      duration_ms: l.duration_ms, isrc: l.isrc, name_key: l.name_key, prior: never ? 0.65 : 0.55,
      why: `Liked on ${date(l.added_at)}${never ? ', never played' : `, not played since ${date(agg.last_at ?? 0)}`}` });
  }

  return {
    rediscoveries: rediscoveries.slice(0, CAP.rediscoveries),
    deep_cuts: deepCuts.slice(0, CAP.deep_cuts),
    liked_not_played: likedNotPlayed.slice(0, CAP.liked_not_played),
  };
}
