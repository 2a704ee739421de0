import type { Store } from '../store/index.js';
import { MS_PER_DAY } from '../time.js';

/** Audio features of a track from the user's own analysed file (src/audio; 0..1 except tempo). */
export interface Features { energy: number | null; valence: number | null; danceability: number | null; acousticness: number | null; tempo_bpm: number | null }

/** A track the account streamed, with its rollup (track_stats). Names and art: {@link trackDetails}. */
export interface TrackHistory {
  track_id: number; uri: string | null; artist_name: string | null; artist_key: string; name_key: string;
  plays: number; skips: number; last_at: number | null;
  /** Plays inside the seed window. */
  recent_plays: number;
}

/** What a candidate needs of a catalog track beyond its rollup. */
export interface TrackDetails { name: string; album_name: string | null; image_url: string | null; duration_ms: number | null; isrc: string | null }

/** Names, album, art, duration and ISRC of catalog tracks (only for the few that become candidates). */
export function trackDetails(store: Store, ids: readonly number[]): Map<number, TrackDetails> {
  const out = new Map<number, TrackDetails>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const r of store.sql.values(`SELECT t.id, t.name, al.name, al.image_url, t.duration_ms, t.isrc FROM tracks t LEFT JOIN albums al ON al.id = t.album_id
      WHERE t.id IN (${chunk.map(() => '?').join(',')})`, chunk) as [number, string, string | null, string | null, number | null, string | null][]) {
      out.set(r[0], { name: r[1], album_name: r[2], image_url: r[3], duration_ms: r[4], isrc: r[5] });
    }
  }
  return out;
}

/** An artist of the seed: how much the account plays them lately and overall, and how often it skips them. */
export interface ArtistSeed {
  key: string; name: string; recent_plays: number; plays: number; skips: number;
  /** 0..1: 0.7 · recent plays / the top artist's + 0.3 · log(1 + plays) / log(1 + the top artist's plays). */
  affinity: number;
  /** Smoothed skip rate: skips / (plays + skips + 2). */
  skip_rate: number;
  /** Share of this artist's plays per local hour (24 values) over the last 180 days, or null. */
  hours: number[] | null;
}

/** The seed profile of one account: what its next playlist is built from. */
export interface SeedProfile {
  account_id: number;
  /** The recent window [from, to]; `shifted` when it ends at the last play because nothing was played lately. */
  window: { from: number; to: number; days: number; shifted: boolean };
  tracks: TrackHistory[];
  /** Rollups summed per normalized artist + title (one song under several URIs counts once). */
  byKey: Map<string, { plays: number; skips: number; last_at: number | null }>;
  streamedUris: Set<string>;
  /** name keys played inside the window. */
  recentKeys: Set<string>;
  artists: Map<string, ArtistSeed>;
  /** Artists by affinity, best first (at most 25). */
  topArtists: ArtistSeed[];
  /** The window's most played tracks (at most 10): Last.fm similar-track seeds. */
  topTracks: (TrackHistory & { name: string })[];
  /** Share of the account's plays per local hour on the target weekday (24 values, smoothed with the other weekdays). */
  hourProfile: number[];
  /** Features per catalog track id (analysed local files matched to a track). */
  features: Map<number, Features>;
  /** Energy of the window's plays that have features: mean and standard deviation; null when none. */
  energy: { mean: number; sd: number; plays: number } | null;
}

const HOURS_WINDOW_MS = 180 * MS_PER_DAY;
/** track_stats rows read per query. */
const SEED_PAGE = 4_000;

/**
 * Builds the seed profile of `accountId` at `now` from the store: the recent window (`windowDays`,
 * ending now, or at the last play when nothing was played in it), the track and artist rollups, the
 * hour-of-day profile (hourly_stats for the weekday of `now` in the configured zone), each artist's
 * hours over the last 180 days, and the audio features of analysed local files.
 * Aggregates in SQL first (rollups and the ended_at index), joins names once.
 */
export function buildSeed(store: Store, accountId: number, now: number, windowDays: number): SeedProfile {
  const { sql } = store;
  const windowMs = windowDays * MS_PER_DAY;
  const last = sql.get<{ t: number }>('SELECT ended_at AS t FROM streams WHERE kind = 1 AND account_id = ? ORDER BY ended_at DESC LIMIT 1', [accountId])?.t ?? null;
  const shifted = last !== null && last < now - windowMs;
  const to = shifted ? last! : now;
  const from = to - windowMs;

  const recentByTrack = new Map<number, number>();
  for (const [trackId, n] of sql.values('SELECT track_id, count(*) FROM streams WHERE ended_at BETWEEN ? AND ? AND account_id = ? AND kind = 1 GROUP BY track_id',
    [from, to, accountId]) as [number, number][]) recentByTrack.set(trackId, n);

  const tracks: TrackHistory[] = [];
  const byKey = new Map<string, { plays: number; skips: number; last_at: number | null }>();
  const streamedUris = new Set<string>();
  const recentKeys = new Set<string>();
  const artistIdKey = new Map<number, string>();
  const artists = new Map<string, ArtistSeed>();
  // Lean rows (ids, keys and counts): names and art are read later for the few candidates only.
  const artistNames = new Map<number, { name: string; key: string }>();
  // Every artist once (a plain scan: cheaper in sql.js than the DISTINCT join that would pick this account's).
  for (const [id, name, key] of sql.values('SELECT id, name, name_key FROM artists') as [number, string, string][]) artistNames.set(id, { name, key });
  function addTrack([trackId, uri, artistId, nameKey, plays, skips, lastAt]: [number, string | null, number | null, string, number, number, number | null]): void {
    const artist = artistId === null ? undefined : artistNames.get(artistId);
    const key = artist?.key ?? '';
    const recent = recentByTrack.get(trackId) ?? 0;
    tracks.push({ track_id: trackId, uri, artist_name: artist?.name ?? null, artist_key: key, name_key: nameKey, plays, skips, last_at: lastAt, recent_plays: recent });
    if (uri) streamedUris.add(uri);
    if (recent > 0) recentKeys.add(nameKey);
    const agg = byKey.get(nameKey);
    if (agg) { agg.plays += plays; agg.skips += skips; agg.last_at = Math.max(agg.last_at ?? 0, lastAt ?? 0) || null; }
    else byKey.set(nameKey, { plays, skips, last_at: lastAt });
    if (artistId !== null && key !== '') {
      artistIdKey.set(artistId, key);
      let a = artists.get(key);
      if (!a) { a = { key, name: artist!.name, recent_plays: 0, plays: 0, skips: 0, affinity: 0, skip_rate: 0, hours: null }; artists.set(key, a); }
      a.recent_plays += recent; a.plays += plays; a.skips += skips;
    }
  }
  // In pages along the primary key: the raw result of 36 000 rows at once would add ~15 MB at its peak.
  for (let after = -1; ;) {
    const page = sql.values(`SELECT ts.track_id, t.uri, t.artist_id, t.name_key, ts.plays, ts.skips, ts.last_at
      FROM track_stats ts JOIN tracks t ON t.id = ts.track_id WHERE ts.account_id = ? AND ts.track_id > ? AND t.content = 0
      ORDER BY ts.track_id LIMIT ${SEED_PAGE}`, [accountId, after]);
    for (const r of page) addTrack(r as [number, string | null, number | null, string, number, number, number | null]);
    if (page.length < SEED_PAGE) break;
    after = page.at(-1)![0] as number;
  }
  let maxRecent = 1; let maxPlays = 1;
  for (const a of artists.values()) { maxRecent = Math.max(maxRecent, a.recent_plays); maxPlays = Math.max(maxPlays, a.plays); }
  for (const a of artists.values()) {
    a.affinity = 0.7 * (a.recent_plays / maxRecent) + 0.3 * (Math.log1p(a.plays) / Math.log1p(maxPlays));
    a.skip_rate = a.skips / (a.plays + a.skips + 2);
  }

  // Each artist's hours of listening (last 180 days up to the window's end): one pass over the ended_at index.
  const hourCounts = new Map<string, number[]>();
  for (const [artistId, hour, n] of sql.values(`SELECT t.artist_id, s.local_hour, count(*) FROM streams s JOIN tracks t ON t.id = s.track_id
    WHERE s.ended_at BETWEEN ? AND ? AND s.account_id = ? AND s.kind = 1 AND t.artist_id IS NOT NULL GROUP BY t.artist_id, s.local_hour`,
  [to - HOURS_WINDOW_MS, to, accountId]) as [number, number, number][]) {
    const key = artistIdKey.get(artistId);
    if (!key) continue;
    const h = hourCounts.get(key) ?? new Array<number>(24).fill(0);
    h[hour] = (h[hour] ?? 0) + n;
    hourCounts.set(key, h);
  }
  for (const [key, h] of hourCounts) {
    const total = h.reduce((x, y) => x + y, 0);
    if (total > 0) artists.get(key)!.hours = h.map((x) => x / total);
  }

  const topArtists = [...artists.values()].filter((a) => a.plays > 0).sort((a, b) => b.affinity - a.affinity || a.key.localeCompare(b.key)).slice(0, 25);
  const top = tracks.filter((t) => t.recent_plays > 0 && t.uri).sort((a, b) => b.recent_plays - a.recent_plays || a.track_id - b.track_id).slice(0, 10);
  const topDetails = trackDetails(store, top.map((t) => t.track_id));
  const topTracks = top.map((t) => ({ ...t, name: topDetails.get(t.track_id)?.name ?? '' }));

  return { account_id: accountId, window: { from, to, days: windowDays, shifted }, tracks, byKey, streamedUris, recentKeys, artists, topArtists, topTracks,
    hourProfile: hourProfile(store, accountId, now), ...featuresOf(store, tracks) };
}

/**
 * Share of plays per local hour on the weekday of `now` (hourly_stats), smoothed: each hour adds a quarter
 * of the other weekdays' mean for that hour, so a weekday with little history still has a shape.
 */
function hourProfile(store: Store, accountId: number, now: number): number[] {
  const dow = store.tz.buckets(now).dow;
  const same = new Array<number>(24).fill(0);
  const other = new Array<number>(24).fill(0);
  for (const [d, h, plays] of store.sql.values('SELECT local_dow, local_hour, plays FROM hourly_stats WHERE account_id = ?', [accountId]) as [number, number, number][]) {
    if (d === dow) same[h] = (same[h] ?? 0) + plays; else other[h] = (other[h] ?? 0) + plays;
  }
  const mixed = same.map((v, h) => v + 0.25 * (other[h]! / 6));
  const total = mixed.reduce((a, b) => a + b, 0);
  return total > 0 ? mixed.map((v) => v / total) : new Array<number>(24).fill(1 / 24);
}

/** Features of every analysed, matched local file (the newest analysis per track wins) and the window's energy. */
function featuresOf(store: Store, tracks: TrackHistory[]): { features: Map<number, Features>; energy: SeedProfile['energy'] } {
  const features = new Map<number, Features>();
  for (const r of store.sql.values(`SELECT lf.track_id, f.energy, f.valence, f.danceability, f.acousticness, f.tempo_bpm FROM library_files lf
    JOIN audio_features f ON f.file_id = lf.id WHERE lf.status = 1 AND lf.track_id IS NOT NULL ORDER BY lf.analysed_at`) as (number | null)[][]) {
    features.set(r[0]!, { energy: r[1] ?? null, valence: r[2] ?? null, danceability: r[3] ?? null, acousticness: r[4] ?? null, tempo_bpm: r[5] ?? null });
  }
  let n = 0; let sum = 0; let sumSq = 0;
  for (const t of tracks) {
    const e = t.recent_plays > 0 ? features.get(t.track_id)?.energy : null;
    if (e === null || e === undefined) continue;
    n += t.recent_plays; sum += e * t.recent_plays; sumSq += e * e * t.recent_plays;
  }
  if (n === 0) return { features, energy: null };
  const mean = sum / n;
  return { features, energy: { mean, sd: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), plays: n } };
}

/** Cosine similarity of two non-negative 24-hour profiles, 0..1 (0.5 when either is missing). */
export function hourFit(artistHours: number[] | null, profile: number[]): number {
  if (!artistHours) return 0.5;
  let dot = 0; let a2 = 0; let b2 = 0;
  for (let h = 0; h < 24; h++) { dot += artistHours[h]! * profile[h]!; a2 += artistHours[h]! ** 2; b2 += profile[h]! ** 2; }
  return a2 === 0 || b2 === 0 ? 0.5 : dot / Math.sqrt(a2 * b2);
}
