import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { nameKey, trackNameKey, type Store } from '../store/index.js';
import { MS_PER_DAY } from '../time.js';

/** A similar artist or track as Last.fm rates it; `match` 0..1. */
export interface Similar { artist_name: string; track_name: string | null; match: number }

/** Last.fm answers are kept this long. */
export const LASTFM_CACHE_MS = MS_PER_DAY;

/**
 * Last.fm error codes (https://www.last.fm/api/errorcodes): 6 = not found (an empty answer, not a
 * failure), 10 = invalid API key, 26 = suspended key, 29 = rate limit exceeded.
 */
const NOT_FOUND = 6;

const entry = z.looseObject({ name: z.string(), match: z.union([z.string(), z.number()]).optional(),
  artist: z.union([z.looseObject({ name: z.string() }), z.string()]).optional() });
const list = z.union([z.array(entry), entry]).optional();
const answerSchema = z.looseObject({
  error: z.number().optional(), message: z.string().optional(),
  similarartists: z.looseObject({ artist: list }).optional(),
  similartracks: z.looseObject({ track: list }).optional(),
});

/**
 * The Last.fm Web Services 2.0 client for `artist.getSimilar` and `track.getSimilar`
 * (https://www.last.fm/api/show/artist.getSimilar, https://www.last.fm/api/show/track.getSimilar):
 * GET `<base>?method=…&api_key=…&format=json`, answers cached for a day in the store, uncached calls
 * spaced by `spacingMs` (Last.fm asks for no more than about five a second). The key never reaches a log
 * or an error message.
 */
export function createLastfm({ store, apiKey, baseUrl, timeoutMs, now, spacingMs }: { store: Store; apiKey: string; baseUrl: string; timeoutMs: number; now: () => number; spacingMs: number }) {
  const { sql } = store;
  let lastCall = 0;

  async function call(params: Record<string, string>): Promise<z.infer<typeof answerSchema>> {
    const wait = lastCall + spacingMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastCall = Date.now();
    const url = new URL(baseUrl);
    for (const [k, v] of Object.entries({ ...params, api_key: apiKey, format: 'json', autocorrect: '1' })) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'Vibescope (self-hosted listening history)' } });
    } catch (err) {
      throw new Error(`Last.fm did not answer (${(err as Error).name === 'TimeoutError' ? 'timed out' : 'network error'})`, { cause: err });
    }
    const body = await res.text();
    let data: unknown;
    try { data = JSON.parse(body); } catch { throw new Error(`Last.fm sent an answer that is not JSON (HTTP ${res.status})`); }
    const parsed = answerSchema.safeParse(data);
    if (!parsed.success) throw new Error(`Last.fm sent an unexpected answer (HTTP ${res.status})`);
    if (parsed.data.error !== undefined && parsed.data.error !== NOT_FOUND) {
      const reason = parsed.data.error === 10 || parsed.data.error === 26 ? 'the lastfm_api_key option is not a valid key'
        : parsed.data.error === 29 ? 'it is rate limiting' : parsed.data.message ?? `error ${parsed.data.error}`;
      throw new Error(`Last.fm refused the request: ${reason}`);
    }
    if (!res.ok && parsed.data.error === undefined) throw new Error(`Last.fm answered HTTP ${res.status}`);
    return parsed.data;
  }

  function entries(value: z.infer<typeof list>): z.infer<typeof entry>[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }

  async function cached(seed: string, fetch: () => Promise<Similar[]>): Promise<Similar[]> {
    const hit = sql.get<{ fetched_at: number }>('SELECT fetched_at FROM lastfm_cache WHERE seed = ?', [seed]);
    if (hit && now() - hit.fetched_at < LASTFM_CACHE_MS) {
      return sql.all<Similar>('SELECT artist_name, track_name, match FROM lastfm_similar WHERE seed = ? ORDER BY position', [seed]);
    }
    const items = await fetch();
    await store.exclusive(() => store.transaction(() => {
      sql.exec('DELETE FROM lastfm_similar WHERE seed = ?', [seed]);
      items.forEach((s, i) => sql.exec('INSERT INTO lastfm_similar VALUES (?, ?, ?, ?, ?)', [seed, i, s.artist_name, s.track_name, s.match]));
      sql.exec('INSERT INTO lastfm_cache (seed, fetched_at) VALUES (?, ?) ON CONFLICT (seed) DO UPDATE SET fetched_at = excluded.fetched_at', [seed, now()]);
    }));
    return items;
  }

  const matchOf = (m: string | number | undefined) => Math.max(0, Math.min(1, Number(m ?? 0) || 0));

  /** Artists similar to `artist` (at most `limit`), best match first. @throws Error with a sentence for a person */
  function similarArtists(artist: string, limit = 10): Promise<Similar[]> {
    return cached(`artist:${nameKey(artist)}`, async () => entries((await call({ method: 'artist.getsimilar', artist, limit: String(limit) })).similarartists?.artist)
      .map((a) => ({ artist_name: a.name, track_name: null, match: matchOf(a.match) })));
  }

  /** Tracks similar to `title` by `artist` (at most `limit`). @throws Error with a sentence for a person */
  function similarTracks(artist: string, title: string, limit = 10): Promise<Similar[]> {
    return cached(`track:${trackNameKey(artist, title)}`, async () => entries((await call({ method: 'track.getsimilar', artist, track: title, limit: String(limit) })).similartracks?.track)
      .map((t) => ({ artist_name: typeof t.artist === 'string' ? t.artist : t.artist?.name ?? '', track_name: t.name, match: matchOf(t.match) }))
      .filter((t) => t.artist_name !== ''));
  }

  return { similarArtists, similarTracks };
}

export type Lastfm = ReturnType<typeof createLastfm>;
