import type { Logger } from '../log.js';
import { nameKey, type Store } from '../store/index.js';
import { SpotifyError } from '../errors.js';
import { MS_PER_DAY } from '../time.js';
import { energyArc } from './arc.js';
import { createPool, fromTrackInfo, type Candidate } from './candidates.js';
import { buildFeedbackIndex } from './feedback.js';
import { historyCandidates } from './history-sources.js';
import type { Lastfm } from './lastfm.js';
import type { LikedCache } from './liked.js';
import { rank, whyChosen, type RankContext } from './rank.js';
import { remoteToInfo } from './remote.js';
import type { RunLog } from './runs.js';
import type { Search } from './search.js';
import { buildSeed, trackDetails, type SeedProfile } from './seed.js';
import { selectTracks, spreadArtists } from './select.js';
import type { Exclusion, GenresOf, RunTrack, SourceReport } from './types.js';

/** Spotify search looks up this many seed artists (2 pages of 10 each) and genres (3 pages each). */
export const SEARCH_ARTISTS = 8;
export const SEARCH_ARTIST_PAGES = 2;
export const SEARCH_GENRES = 3;
export const SEARCH_GENRE_PAGES = 3;
/** Last.fm: similar artists of this many seed artists and similar tracks of this many seed tracks. */
export const LASTFM_SEEDS = 3;
/** Tracks only known by name (account-data exports) resolved by search per run, at most. */
export const MAX_RESOLVE = 15;
/** Nothing from a vibe playlist comes back within this long (ListenBrainz Daily Jams' rule). */
export const FRESHNESS_MS = 60 * MS_PER_DAY;
/** Earlier playlists feed the ranking for this long. */
export const FEEDBACK_HISTORY_MS = 180 * MS_PER_DAY;

/** A list ready to be written, with the run log's explanation of it. */
export interface BuiltList {
  tracks: Omit<RunTrack, 'position'>[];
  sources: SourceReport[];
  exclusions: Exclusion[];
  notes: string[];
  /** For the description: the top seed artists, the liked songs used, the sources that gave candidates. */
  seed: { top_artists: string[]; liked: number; days: number; used: string[]; mood: string | null };
}

export interface VibeDeps {
  store: Store; log: Logger; runLog: RunLog; liked: LikedCache;
  /** Spotify (liked songs sync and search); null when the account is not connected. */
  spotify: { syncLiked: () => Promise<unknown>; search: Search } | null;
  lastfm: Lastfm | null;
  genresOf: GenresOf | undefined;
  now: number;
  date: (ms: number) => string;
  weekday: string;
  options: { size: number; minNewRatio: number; recentDays: number };
}

/** A sentence on why a source failed, for the run log (no stack, no internal names). */
export function describeFailure(err: unknown, what: string): string {
  if (err instanceof SpotifyError) {
    if (err.code === 'SPOTIFY_RATE_LIMITED') return `Spotify asked Vibescope to slow down (wait ${err.retryAfterS ?? '?'} s), so ${what} was skipped this time.`;
    if (err.code === 'SPOTIFY_RECONNECT' || err.code === 'SPOTIFY_AUTH') return `Spotify refused ${what} (connect Spotify again in Settings if this repeats).`;
    return `Spotify did not answer ${what} properly (${err.httpStatus ? `HTTP ${err.httpStatus}` : 'no answer'}), so it was skipped this time.`;
  }
  return `${what} failed: ${(err as Error).message}`;
}

/** Genres of the seed (weights, max 1) and of each catalog track / artist, from the metadata capability. */
async function genresFor(seed: SeedProfile, genresOf: GenresOf | undefined, candidateIds: number[]) {
  const seedGenres = new Map<string, number>();
  const trackGenres = new Map<number, readonly string[]>();
  const artistGenres = new Map<string, string[]>();
  if (!genresOf) return { seedGenres, trackGenres, artistGenres };
  const ids = new Set<number>(candidateIds);
  const played = [...seed.tracks].sort((a, b) => b.recent_plays - a.recent_plays || b.plays - a.plays).slice(0, 3000);
  for (const t of played) ids.add(t.track_id);
  const map = await genresOf([...ids]);
  const counts = new Map<string, Map<string, number>>();
  for (const t of played) {
    const genres = map.get(t.track_id) ?? [];
    const weight = t.recent_plays > 0 ? t.recent_plays : 0.1 * t.plays;
    for (const g of genres) {
      seedGenres.set(g, (seedGenres.get(g) ?? 0) + weight);
      const a = counts.get(t.artist_key) ?? new Map<string, number>();
      a.set(g, (a.get(g) ?? 0) + 1);
      counts.set(t.artist_key, a);
    }
  }
  const max = Math.max(0, ...seedGenres.values());
  if (max > 0) for (const [g, w] of seedGenres) seedGenres.set(g, w / max);
  for (const [artist, c] of counts) artistGenres.set(artist, [...c].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([g]) => g));
  for (const [id, g] of map) trackGenres.set(id, g);
  return { seedGenres, trackGenres, artistGenres };
}

/**
 * Builds the daily vibe list of one account: seed profile → candidates (own history, Spotify search,
 * Last.fm) → ranking (rank.ts) → selection (select.ts) → energy arc. A source that fails is reported
 * and skipped; the run goes on with the others.
 */
export async function buildVibe(deps: VibeDeps, account: string, accountId: number): Promise<BuiltList> {
  const { store, now, date, options } = deps;
  const seed = buildSeed(store, accountId, now, options.recentDays);
  const notes: string[] = [];
  if (seed.tracks.length === 0) notes.push('There is no listening history for this account yet, so the list comes from Spotify search and liked songs alone.');
  else if (seed.window.shifted) notes.push(`Nothing was played in the last ${options.recentDays} days: the seed is the ${options.recentDays} days up to ${date(seed.window.to)}.`);

  if (deps.spotify) {
    try { await deps.spotify.syncLiked(); } catch (err) {
      deps.log.warn({ account, err: { message: (err as Error).message } }, 'playlists: liked songs sync failed; using the cache');
      notes.push(`${describeFailure(err, 'the liked songs refresh')} The ${deps.liked.count(accountId)} cached liked songs were used.`);
    }
  }
  const liked = deps.liked.list(accountId);
  const pool = createPool();
  const history = historyCandidates(seed, liked, now, date, (ids) => trackDetails(store, ids));
  for (const source of ['rediscoveries', 'deep_cuts', 'liked_not_played'] as const) for (const c of history[source]) pool.add(source, c);

  let genres = { seedGenres: new Map<string, number>(), trackGenres: new Map<number, readonly string[]>(), artistGenres: new Map<string, string[]>() };
  try { genres = await genresFor(seed, deps.genresOf, pool.list().map((c) => c.track_id).filter((id): id is number => id !== null)); } catch (err) {
    notes.push(`Genres were not available this time (${(err as Error).message}).`);
  }
  const topGenres = [...genres.seedGenres].sort((a, b) => b[1] - a[1]).slice(0, SEARCH_GENRES).map(([g]) => g);

  const sources: SourceReport[] = ['rediscoveries', 'deep_cuts', 'liked_not_played'].map((s) => ({ source: s as SourceReport['source'], candidates: pool.count(s as never), status: 'ok', error: null }));
  sources.push(await searchSource(deps, account, seed, topGenres, pool));
  sources.push(await lastfmSource(deps, account, seed, pool));

  // Catalog ids of search and Last.fm candidates (features, genres of tracks another account or a file made known).
  for (const c of pool.list()) {
    if (c.track_id === null && c.uri) c.track_id = store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [c.uri])?.id ?? null;
  }
  const recommended = new Map<string, number>();
  for (const run of deps.runLog.published(account, 'vibe', now - FRESHNESS_MS)) {
    for (const t of run.tracks) {
      if (!recommended.has(t.name_key)) recommended.set(t.name_key, run.ended_at);
      if (t.uri && !recommended.has(t.uri)) recommended.set(t.uri, run.ended_at);
    }
  }
  const feedback = buildFeedbackIndex(store, accountId, deps.runLog.published(account, 'vibe', now - FEEDBACK_HISTORY_MS), (name) => nameKey(name ?? ''));
  const ctx: RankContext = { seed, feedback, recommended, seedGenres: genres.seedGenres, date, weekday: deps.weekday,
    genresOf: (c: Candidate) => (c.track_id !== null ? genres.trackGenres.get(c.track_id) : undefined) ?? genres.artistGenres.get(c.artist_key) ?? [] };
  const ranked = rank(pool.list(), ctx);

  // Songs known only by name (account-data exports) need a URI to go to Spotify: look the best ones up.
  let resolved = 0;
  for (const c of ranked.slice(0, options.size * 3)) {
    if (c.uri || c.exclusion) continue;
    if (!deps.spotify || resolved >= MAX_RESOLVE) { c.exclusion = 'only known by name from an account-data export, and not looked up on Spotify'; continue; }
    resolved++;
    try {
      const hit = await deps.spotify.search.resolve(account, c.artist_name ?? '', c.name);
      if (hit) { c.uri = hit.uri; c.isrc ??= hit.isrc; c.image_url ??= hit.image_url; c.duration_ms ??= hit.duration_ms; }
      else c.exclusion = 'only known by name from an account-data export, and Spotify search found no match';
    } catch (err) {
      c.exclusion = 'only known by name, and the Spotify look-up failed';
      notes.push(describeFailure(err, 'looking up tracks known only by name'));
      break;
    }
  }
  for (const c of ranked) if (!c.uri && !c.exclusion) c.exclusion = 'only known by name from an account-data export, and not looked up on Spotify';

  const selection = selectTracks(ranked, { size: options.size, minNewRatio: options.minNewRatio });
  notes.push(...selection.notes);
  const ordered = spreadArtists(energyArc(selection.chosen));
  return {
    tracks: ordered.map((r) => ({ uri: r.uri, name: r.name, artist_name: r.artist_name, album_name: r.album_name, image_url: r.image_url,
      duration_ms: r.duration_ms, isrc: r.isrc, name_key: r.name_key, source: r.source, score: r.score, why: whyChosen(r, ctx), is_new: r.is_new, energy: r.energy })),
    sources, exclusions: selection.exclusions, notes: [...new Set(notes)],
    seed: { top_artists: seed.topArtists.slice(0, 3).map((a) => a.name), liked: liked.length, days: options.recentDays, mood: null,
      used: sources.filter((s) => s.candidates > 0).map((s) => s.source) },
  };
}

/** Spotify search for the top seed artists (`artist:"…"`) and genres (`genre:"…"`); stops at the first failure. */
async function searchSource(deps: VibeDeps, account: string, seed: SeedProfile, genres: string[], pool: ReturnType<typeof createPool>): Promise<SourceReport> {
  if (!deps.spotify) return { source: 'spotify_search', candidates: 0, status: 'skipped', error: 'Spotify is not connected for this account, so search was skipped.' };
  const { search } = deps.spotify;
  try {
    for (const [i, artist] of seed.topArtists.slice(0, SEARCH_ARTISTS).entries()) {
      const found = await search.byArtist(account, artist.name, SEARCH_ARTIST_PAGES);
      found.forEach((t, pos) => pool.add('spotify_search', fromTrackInfo(remoteToInfo(t), 0.6 - 0.3 * (pos / Math.max(1, found.length)),
        `Found by searching Spotify for ${artist.name}, your number ${i + 1} artist lately`)));
    }
    for (const genre of genres) {
      const found = await search.byGenre(account, genre, SEARCH_GENRE_PAGES);
      found.forEach((t, pos) => pool.add('spotify_search', fromTrackInfo(remoteToInfo(t), 0.5 - 0.3 * (pos / Math.max(1, found.length)),
        `Found by searching Spotify for the genre ${genre}, one you play a lot`)));
    }
  } catch (err) {
    deps.log.warn({ account, err: { message: (err as Error).message } }, 'playlists: Spotify search failed; source skipped');
    return { source: 'spotify_search', candidates: pool.count('spotify_search'), status: 'failed', error: describeFailure(err, 'Spotify search') };
  }
  return { source: 'spotify_search', candidates: pool.count('spotify_search'), status: 'ok', error: null };
}

/** Last.fm similar artists (then their tracks by search) and similar tracks (resolved by search). */
async function lastfmSource(deps: VibeDeps, account: string, seed: SeedProfile, pool: ReturnType<typeof createPool>): Promise<SourceReport> {
  if (!deps.lastfm) return { source: 'lastfm', candidates: 0, status: 'skipped', error: 'No Last.fm API key is set (option lastfm_api_key), so Last.fm was not asked.' };
  if (!deps.spotify) return { source: 'lastfm', candidates: 0, status: 'skipped', error: 'Spotify is not connected, so Last.fm suggestions could not be looked up.' };
  const { lastfm } = deps;
  const { search } = deps.spotify;
  try {
    const searched = new Set(seed.topArtists.slice(0, SEARCH_ARTISTS).map((a) => a.key));
    const similar = new Map<string, { name: string; match: number; seed: string }>();
    for (const artist of seed.topArtists.slice(0, LASTFM_SEEDS)) {
      for (const s of await lastfm.similarArtists(artist.name, 10)) {
        const key = nameKey(s.artist_name);
        if (searched.has(key) || (similar.get(key)?.match ?? -1) >= s.match) continue;
        similar.set(key, { name: s.artist_name, match: s.match, seed: artist.name });
      }
    }
    for (const s of [...similar.values()].sort((a, b) => b.match - a.match).slice(0, 6)) {
      for (const t of await search.byArtist(account, s.name, 1)) {
        pool.add('lastfm', fromTrackInfo(remoteToInfo(t), 0.3 + 0.5 * s.match, `Last.fm: ${s.name} is similar to ${s.seed} (${Math.round(s.match * 100)} % match)`));
      }
    }
    const pairs: { artist: string; title: string; match: number; seed: string }[] = [];
    for (const t of seed.topTracks.slice(0, LASTFM_SEEDS)) {
      for (const s of await lastfm.similarTracks(t.artist_name ?? '', t.name, 10)) {
        if (s.track_name) pairs.push({ artist: s.artist_name, title: s.track_name, match: s.match, seed: `"${t.name}" by ${t.artist_name ?? 'unknown'}` });
      }
    }
    for (const p of pairs.sort((a, b) => b.match - a.match).slice(0, 10)) {
      const hit = await search.resolve(account, p.artist, p.title);
      if (hit) pool.add('lastfm', fromTrackInfo(remoteToInfo(hit), 0.3 + 0.5 * p.match, `Last.fm: similar to ${p.seed}`));
    }
  } catch (err) {
    deps.log.warn({ account, err: { message: (err as Error).message } }, 'playlists: Last.fm source failed; skipped');
    return { source: 'lastfm', candidates: pool.count('lastfm'), status: 'failed', error: err instanceof SpotifyError ? describeFailure(err, 'looking up Last.fm suggestions') : `${(err as Error).message}; Last.fm was skipped this time.` };
  }
  return { source: 'lastfm', candidates: pool.count('lastfm'), status: 'ok', error: null };
}
