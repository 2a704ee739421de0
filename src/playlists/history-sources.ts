import { MS_PER_DAY } from '../time.js';
import type { CandidateInput } from './candidates.js';
import type { LikedTrack } from './liked.js';
import type { SeedProfile, TrackDetails, TrackHistory } from './seed.js';

/** A track is a rediscovery once it has not been played for this long. */
export const REDISCOVERY_GAP_MS = 60 * MS_PER_DAY;
/** Loved before: at least this many plays … */
export const REDISCOVERY_MIN_PLAYS = 3;
/** … and at most this share of skips. */
export const REDISCOVERY_MAX_SKIP_RATE = 0.2;
/** Deep cuts come from this many top artists, and are tracks played once or twice. */
export const DEEP_CUT_ARTISTS = 15;
const CAP = { rediscoveries: 150, deep_cuts: 100, liked_not_played: 200 } as const;
/** A source hands in at most this many songs of one artist (the list takes 2: more would only crowd others out). */
const PER_ARTIST = 4;

/** The first `cap` picks (best first) with at most {@link PER_ARTIST} per artist. */
function diverse(picks: { t: TrackHistory; prior: number }[], cap: number) {
  const perArtist = new Map<string, number>();
  const out: typeof picks = [];
  for (const p of picks) {
    if (out.length >= cap) break;
    const n = perArtist.get(p.t.artist_key) ?? 0;
    if (n >= PER_ARTIST) continue;
    perArtist.set(p.t.artist_key, n + 1);
    out.push(p);
  }
  return out;
}

/** The representative catalog track of each song (name key): the one with a URI and the most plays. */
function bySong(tracks: TrackHistory[]): Map<string, TrackHistory> {
  const out = new Map<string, TrackHistory>();
  for (const t of tracks) {
    const best = out.get(t.name_key);
    if (!best || (t.uri !== null && best.uri === null) || ((t.uri !== null) === (best.uri !== null) && t.plays > best.plays)) out.set(t.name_key, t);
  }
  return out;
}

/** A history candidate before its names are read: the track, its prior and sentence. */
type Pick = { t: TrackHistory; prior: number; why: string };

function input({ t, prior, why }: Pick, details: Map<number, TrackDetails>): CandidateInput {
  const d = details.get(t.track_id);
  return { uri: t.uri, track_id: t.track_id, name: d?.name ?? '', artist_name: t.artist_name, album_name: d?.album_name ?? null, image_url: d?.image_url ?? null,
    duration_ms: d?.duration_ms ?? null, isrc: d?.isrc ?? null, name_key: t.name_key, prior, why };
}

/**
 * Candidates from the account's own history (issue "Vibe playlists", source 1):
 * - rediscoveries: songs loved before (>= 3 plays, <= 20 % skips) and not played for >= 60 days;
 * - deep cuts: songs of the top 15 artists played only once or twice, not in the recent window
 *   (each at most 4 songs per artist, best first: the list takes at most 2 per artist anyway);
 * - liked songs (GET /me/tracks, cached) not played for 60 days, or never.
 * `date` formats a time as a local date for the sentences; `details` reads the names of the tracks kept.
 */
export function historyCandidates(seed: SeedProfile, liked: LikedTrack[], now: number, date: (ms: number) => string,
  details: (ids: number[]) => Map<number, TrackDetails>) {
  const songs = bySong(seed.tracks);
  const rediscoveries: Pick[] = [];
  const deepCuts: Pick[] = [];
  for (const [key, t] of songs) {
    const agg = seed.byKey.get(key)!;
    const decided = agg.plays + agg.skips;
    if (agg.plays >= REDISCOVERY_MIN_PLAYS && agg.skips / decided <= REDISCOVERY_MAX_SKIP_RATE && (agg.last_at ?? 0) < now - REDISCOVERY_GAP_MS) {
      rediscoveries.push({ t, prior: 0.4 + 0.6 * Math.min(1, Math.log1p(agg.plays) / Math.log1p(25)), why: '' });
    }
  }
  rediscoveries.sort((a, b) => b.prior - a.prior);

  const top = new Map(seed.topArtists.slice(0, DEEP_CUT_ARTISTS).map((a, i) => [a.key, { a, rank: i + 1 }]));
  for (const [key, t] of songs) {
    const artist = top.get(t.artist_key);
    const agg = seed.byKey.get(key)!;
    if (!artist || agg.plays < 1 || agg.plays > 2 || agg.skips >= 2 || seed.recentKeys.has(key)) continue;
    deepCuts.push({ t, prior: 0.35 + 0.3 * artist.a.affinity,
      why: `Deep cut: you played it ${agg.plays === 1 ? 'once' : 'twice'}, and ${artist.a.name} is your number ${artist.rank} artist lately` });
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

  const kept = { rediscoveries: diverse(rediscoveries, CAP.rediscoveries) as Pick[], deep_cuts: diverse(deepCuts, CAP.deep_cuts) as Pick[] };
  for (const p of kept.rediscoveries) {
    const agg = seed.byKey.get(p.t.name_key)!;
    p.why = `Rediscovery: you played it ${agg.plays} times, last on ${date(agg.last_at ?? 0)}`;
  }
  const names = details([...kept.rediscoveries, ...kept.deep_cuts].map((p) => p.t.track_id));
  return {
    rediscoveries: kept.rediscoveries.map((p) => input(p, names)),
    deep_cuts: kept.deep_cuts.map((p) => input(p, names)),
    liked_not_played: likedNotPlayed.slice(0, CAP.liked_not_played),
  };
}
