import { SpotifyError } from '../errors.js';
import type { SpotifyClient } from './http.js';
import { trackSchema, type SpotifyTrack } from './parse.js';

/** One album image as Spotify lists it (px; width and height may be missing). */
export interface SpotifyImage { url: string; width: number | null; height: number | null }

/**
 * Single-track look-ups: `GET /tracks/{id}` (https://developer.spotify.com/documentation/web-api/reference/get-track).
 * One track per request: the batch endpoint `GET /tracks?ids=` is gone for development-mode apps (Feb 2026).
 * Rate limits are the client's (429 Retry-After honoured; a long wait surfaces as SPOTIFY_RATE_LIMITED).
 */
export function createTracksApi(client: SpotifyClient) {
  /**
   * The track object of a Spotify track id (22 base-62 characters), or null when Spotify does not
   * know it (404) or the id is not one.
   * @throws SpotifyError SPOTIFY_RATE_LIMITED (with retry_after_s), SPOTIFY_UNAVAILABLE, SPOTIFY_AUTH,
   *   SPOTIFY_RECONNECT, SPOTIFY_BAD_RESPONSE (not a track object).
   */
  async function track(account: string, spotifyId: string): Promise<SpotifyTrack | null> {
    if (!/^[0-9A-Za-z]{1,64}$/.test(spotifyId)) return null;
    const endpoint = `GET /tracks/${spotifyId}`;
    let res;
    try {
      res = await client.get<unknown>(account, `/tracks/${spotifyId}`);
    } catch (err) {
      if (err instanceof SpotifyError && (err.httpStatus === 404 || err.httpStatus === 400)) return null;
      throw err;
    }
    if (res.data === null) return null;
    const parsed = trackSchema.safeParse(res.data);
    if (!parsed.success) throw new SpotifyError('SPOTIFY_BAD_RESPONSE', endpoint, `not a track object (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
    return parsed.data;
  }

  /** The album images of a track (widest first), or null when the track is unknown. Same errors as {@link track}. */
  async function albumImages(account: string, spotifyId: string): Promise<SpotifyImage[] | null> {
    const t = await track(account, spotifyId);
    if (!t) return null;
    return (t.album?.images ?? []).map((i) => ({ url: i.url, width: i.width ?? null, height: i.height ?? null }))
      .sort((a, b) => (b.width ?? 0) - (a.width ?? 0));
  }

  return { track, albumImages };
}

/** Single-track look-ups (see {@link createTracksApi}). */
export type TracksApi = ReturnType<typeof createTracksApi>;
