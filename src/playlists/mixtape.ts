import type { Store } from '../store/index.js';
import { nameKey } from '../store/index.js';
import { MS_PER_DAY, MS_PER_MINUTE } from '../time.js';
import { energyArc } from './arc.js';
import { distance, kMedoids, type Point } from './kmedoids.js';
import { MAX_SKIPS } from './rank.js';
import { MAX_EXCLUSIONS, MAX_PER_ARTIST } from './select.js';
import type { Exclusion, RunTrack } from './types.js';

/** The mixtape lasts between these (issue: "60–90 minutes"), aiming at the middle. */
export const MIXTAPE_MIN_MS = 60 * MS_PER_MINUTE;
export const MIXTAPE_MAX_MS = 90 * MS_PER_MINUTE;
export const MIXTAPE_TARGET_MS = 75 * MS_PER_MINUTE;
/** Weight of the diversity penalty (maximal marginal relevance, Carbonell & Goldstein, SIGIR 1998). */
export const DIVERSITY_LAMBDA = 0.5;
/** At most this many clusters of the week's tracks. */
export const MAX_CLUSTERS = 4;

/** The feature vector of a track: energy, valence, danceability, acousticness (0..1) and tempo mapped 60–200 BPM → 0..1. */
export function moodVector(f: { energy: number; valence: number; danceability: number; acousticness: number | null; tempo_bpm: number | null }): number[] {
  const tempo = f.tempo_bpm === null ? 0.5 : Math.max(0, Math.min(1, (f.tempo_bpm - 60) / 140));
  return [f.energy, f.valence, f.danceability, f.acousticness ?? 0.5, tempo];
}

/** A few words for a mood centre (for the name, the description and the sentences). */
export function describeMood(v: readonly number[]): string {
  const [energy, valence, dance, acoustic] = v as [number, number, number, number];
  const words = [energy >= 0.6 ? 'energetic' : energy <= 0.35 ? 'calm' : 'steady', valence >= 0.6 ? 'bright' : valence <= 0.35 ? 'dark' : 'mellow'];
  if (dance >= 0.6) words.push('danceable');
  if (acoustic >= 0.6) words.push('acoustic');
  return words.join(', ');
}

type LibraryTrack = { track_id: number; uri: string | null; name: string; artist_name: string | null; album_name: string | null; image_url: string | null;
  duration_ms: number; isrc: string | null; name_key: string; energy: number; v: number[] };

/** What the mixtape builder hands back. */
export interface MixtapeList {
  tracks: Omit<RunTrack, 'position'>[]; exclusions: Exclusion[]; notes: string[]; candidates: number; mood: string | null;
  /** Why no mixtape could be made (a sentence), or null. */
  error: string | null;
}

/** The analysed, matched library: one entry per catalog track (its newest analysed file). */
function loadLibrary(store: Store): LibraryTrack[] {
  const library: LibraryTrack[] = [];
  const seen = new Set<number>();
  for (const r of store.sql.values(`SELECT lf.track_id, t.uri, t.name, ar.name, al.name, al.image_url, coalesce(t.duration_ms, lf.duration_ms, CAST(f.duration_s * 1000 AS INTEGER)),
      t.isrc, t.name_key, f.energy, f.valence, f.danceability, f.acousticness, f.tempo_bpm
    FROM library_files lf JOIN audio_features f ON f.file_id = lf.id JOIN tracks t ON t.id = lf.track_id
    LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id
    WHERE lf.status = 1 AND t.content = 0 AND f.energy IS NOT NULL AND f.valence IS NOT NULL AND f.danceability IS NOT NULL
    ORDER BY lf.analysed_at DESC`) as (number | string | null)[][]) {
    const trackId = r[0] as number;
    if (seen.has(trackId) || r[6] === null) continue;
    seen.add(trackId);
    const energy = r[9] as number;
    library.push({ track_id: trackId, uri: r[1] as string | null, name: r[2] as string, artist_name: r[3] as string | null, album_name: r[4] as string | null,
      image_url: r[5] as string | null, duration_ms: r[6] as number, isrc: r[7] as string | null, name_key: r[8] as string, energy,
      v: moodVector({ energy, valence: r[10] as number, danceability: r[11] as number, acousticness: r[12] as number | null, tempo_bpm: r[13] as number | null }) });
  }
  return library;
}

/** The week's dominant mood: its medoid, radius (80th percentile of member distances, at least 0.1) and share of the week's plays. */
interface WeekMood { medoid: number[]; radius: number; share: number; played: Set<number>; end: number }

/**
 * Clusters the plays of the 7 days up to `end` that have features (weighted k-medoids, k = round(√(n/2))
 * capped at 4) and returns the cluster with the most plays.
 */
function weekMood(store: Store, accountId: number, end: number, byTrack: Map<number, LibraryTrack>): WeekMood {
  const points: (Point & { track: LibraryTrack })[] = [];
  for (const [trackId, plays] of store.sql.values('SELECT track_id, count(*) FROM streams WHERE ended_at BETWEEN ? AND ? AND account_id = ? AND kind = 1 GROUP BY track_id',
    [end - 7 * MS_PER_DAY, end, accountId]) as [number, number][]) {
    const t = byTrack.get(trackId);
    if (t) points.push({ v: t.v, w: plays, track: t });
  }
  const k = Math.max(1, Math.min(MAX_CLUSTERS, Math.round(Math.sqrt(points.length / 2))));
  const clusters = kMedoids(points, k);
  const dominant = clusters.weights.indexOf(Math.max(...clusters.weights));
  const medoid = points[clusters.medoids[dominant]!]!.v as number[];
  const members = points.filter((_, i) => clusters.assignment[i] === dominant).map((p) => distance(p.v, medoid)).sort((a, b) => a - b);
  return {
    medoid, end,
    radius: Math.max(0.1, members[Math.min(members.length - 1, Math.floor(0.8 * members.length))] ?? 0.1),
    share: Math.round((clusters.weights[dominant]! / points.reduce((a, p) => a + p.w, 0)) * 100),
    played: new Set(points.map((p) => p.track.track_id)),
  };
}

/**
 * Greedy maximal marginal relevance: each step takes the track with the best closeness to the medoid
 * minus λ × its highest similarity to a track already taken, skipping a third track of an artist, a song
 * twice and anything that would pass 90 minutes, until 75 minutes.
 */
function pickByMmr(pool: LibraryTrack[], medoid: number[]): { t: LibraryTrack; score: number }[] {
  const maxD = pool.reduce((m, t) => Math.max(m, distance(t.v, medoid)), 1e-6);
  const diag = Math.sqrt(medoid.length);
  const picked: { t: LibraryTrack; score: number }[] = [];
  const perArtist = new Map<string, number>(); const songs = new Set<string>();
  let total = 0;
  const left = new Set(pool);
  while (left.size > 0 && total < MIXTAPE_TARGET_MS) {
    let best: LibraryTrack | null = null; let bestScore = -Infinity;
    for (const t of left) {
      if ((perArtist.get(nameKey(t.artist_name ?? '')) ?? 0) >= MAX_PER_ARTIST || songs.has(t.name_key) || total + t.duration_ms > MIXTAPE_MAX_MS) continue;
      const relevance = 1 - distance(t.v, medoid) / maxD;
      const similarity = picked.reduce((m, p) => Math.max(m, 1 - distance(t.v, p.t.v) / diag), 0);
      const score = relevance - DIVERSITY_LAMBDA * similarity;
      if (score > bestScore || (score === bestScore && best && t.track_id < best.track_id)) { bestScore = score; best = t; }
    }
    if (!best) break;
    left.delete(best);
    picked.push({ t: best, score: Math.round(bestScore * 10_000) / 10_000 });
    const artist = nameKey(best.artist_name ?? '');
    perArtist.set(artist, (perArtist.get(artist) ?? 0) + 1);
    songs.add(best.name_key);
    total += best.duration_ms;
  }
  return picked;
}

const totalMs = (tracks: { duration_ms: number }[]) => tracks.reduce((a, t) => a + t.duration_ms, 0);
const minutes = (tracks: { duration_ms: number }[]) => Math.round(totalMs(tracks) / MS_PER_MINUTE);

/**
 * The weekly mixtape (SideTrack's idea): the week's dominant mood ({@link weekMood}); the analysed,
 * matched library near its medoid (within 1.5× its radius, widened up to 3× while there are less than
 * 75 minutes), without songs skipped 3+ times or in the last two mixtapes; picked by {@link pickByMmr}
 * (at most 2 per artist, no song twice, 60–90 minutes aiming at 75); ordered as an energy arc.
 */
export function buildMixtape(store: Store, accountId: number, now: number, recentMixtapeKeys: Set<string>, date: (ms: number) => string): MixtapeList {
  const { sql } = store;
  const library = loadLibrary(store);
  const empty = (error: string, mood: string | null = null): MixtapeList => ({ tracks: [], exclusions: [], notes: [], candidates: library.length, mood, error });
  if (library.length === 0) return empty('No analysed music files are matched to your Spotify tracks yet, so there is no mood to make a mixtape from. Add music folders (library_paths) and let the library scan finish.');
  const latest = sql.get<{ t: number }>(`SELECT s.ended_at AS t FROM streams s WHERE s.account_id = ? AND s.kind = 1 AND s.track_id IN
    (SELECT track_id FROM library_files WHERE status = 1 AND track_id IS NOT NULL) ORDER BY s.ended_at DESC LIMIT 1`, [accountId])?.t ?? null;
  if (latest === null) return empty('None of your plays is of a track with an analysed music file, so the week has no mood to follow yet.');
  const notes: string[] = [];
  const end = latest < now - 7 * MS_PER_DAY ? latest : now;
  if (end !== now) notes.push(`No play of an analysed track in the last 7 days: the mood is that of the 7 days up to ${date(end)}.`);
  const week = weekMood(store, accountId, end, new Map(library.map((t) => [t.track_id, t])));
  const mood = describeMood(week.medoid);

  const skips = new Map<string, number>();
  for (const [key, n] of sql.values(`SELECT t.name_key, sum(ts.skips) FROM track_stats ts JOIN tracks t ON t.id = ts.track_id WHERE ts.account_id = ?
    GROUP BY t.name_key HAVING sum(ts.skips) > 0`, [accountId]) as [string, number][]) skips.set(key, n);
  const streamed = new Set(sql.values('SELECT DISTINCT t.name_key FROM track_stats ts JOIN tracks t ON t.id = ts.track_id WHERE ts.account_id = ?', [accountId]).map((r) => String(r[0])));
  const exclusions: Exclusion[] = [];
  const eligible = library.filter((t) => {
    const reason = (skips.get(t.name_key) ?? 0) >= MAX_SKIPS ? `you skipped it ${skips.get(t.name_key)} times`
      : recentMixtapeKeys.has(t.name_key) ? 'in one of the last two mixtapes' : null;
    if (reason && distance(t.v, week.medoid) <= week.radius * 1.5 && exclusions.length < MAX_EXCLUSIONS) {
      exclusions.push({ uri: t.uri, name: t.name, artist_name: t.artist_name, score: 0, reason });
    }
    return reason === null;
  });
  let pool: LibraryTrack[] = [];
  for (const factor of [1.5, 2, 3]) {
    pool = eligible.filter((t) => distance(t.v, week.medoid) <= week.radius * factor);
    if (totalMs(pool) >= MIXTAPE_TARGET_MS) break;
  }
  if (totalMs(pool) < MIXTAPE_MIN_MS) {
    return empty(`Your analysed music holds ${minutes(pool)} minutes close to this week's mood (${mood}) that can go into a mixtape; it needs at least 60. Add more music folders or wait for the library scan.`, mood);
  }
  const picked = pickByMmr(pool, week.medoid);
  if (totalMs(picked.map((p) => p.t)) < MIXTAPE_MIN_MS) {
    return empty(`Only ${minutes(picked.map((p) => p.t))} minutes fit this week's mood under the rules (2 per artist, no repeats); a mixtape needs 60.`, mood);
  }
  const tracks = energyArc(picked.map(({ t, score }) => ({
    uri: t.uri, name: t.name, artist_name: t.artist_name, album_name: t.album_name, image_url: t.image_url, duration_ms: t.duration_ms, isrc: t.isrc,
    name_key: t.name_key, source: 'library_mood' as const, score, is_new: !streamed.has(t.name_key), energy: t.energy,
    why: `From your own library, close to this week's mood (${mood}: ${week.share} % of the week's analysed plays)${week.played.has(t.track_id) ? '; you played it this week' : ''}`,
  })));
  return { tracks, exclusions, notes, candidates: pool.length, mood, error: null };
}
