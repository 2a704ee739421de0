import { z } from 'zod';
import { SpotifyError } from '../errors.js';
import type { TrackInfo } from '../types.js';
import type { SpotifyClient } from './http.js';
import { toTrackInfo, trackSchema } from './parse.js';

/**
 * The Web API calls the vibe playlists need, on the 2026 development-mode rules
 * (research/spotify-api.md §2): saved tracks, search (limit <= 10), and playlists only through
 * `POST /me/playlists`, `PUT /playlists/{id}` and `POST|PUT /playlists/{id}/items`. The removed
 * `/users/{id}/playlists` and `/playlists/{id}/tracks` (403 for development-mode apps) are never called.
 */

/** Search answers at most this many items per call for development-mode apps (jpochyla/psst PR #725). */
export const SEARCH_MAX_LIMIT = 10;
/** `GET /me/tracks` answers at most 50 items per call. */
export const SAVED_TRACKS_MAX_LIMIT = 50;
/** `POST|PUT /playlists/{id}/items` take at most 100 URIs per request. */
export const PLAYLIST_ITEMS_MAX = 100;

/** A liked song: when it was saved (ms since the epoch) and the track. */
export interface SavedTrack { added_at: number; track: TrackInfo }

/** A playlist Vibescope wrote: its id and its address in the Spotify apps. */
export interface PlaylistRef { id: string; url: string }

const savedTracksSchema = z.looseObject({
  // Unavailable and local files come back with track null (or a track without a URI); they are dropped.
  items: z.array(z.looseObject({ added_at: z.string(), track: z.unknown() })),
  total: z.number().nullish(),
  next: z.string().nullish(),
});
const searchSchema = z.looseObject({
  tracks: z.looseObject({ items: z.array(z.unknown()), total: z.number().nullish(), next: z.string().nullish() }),
});
const playlistSchema = z.looseObject({
  id: z.string(),
  external_urls: z.looseObject({ spotify: z.string().nullish() }).nullish(),
});
const snapshotSchema = z.looseObject({ snapshot_id: z.string().nullish() });

function parsed<T>(schema: z.ZodType<T>, data: unknown, endpoint: string): T {
  const result = schema.safeParse(data);
  if (!result.success) throw new SpotifyError('SPOTIFY_BAD_RESPONSE', endpoint, `unexpected shape: ${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}`);
  return result.data;
}

/** Track objects that parse as tracks; the rest (null, episodes, local files) are dropped. */
function tracksOf(items: unknown[]): TrackInfo[] {
  const out: TrackInfo[] = [];
  for (const item of items) {
    const track = trackSchema.safeParse(item);
    if (track.success && track.data.uri.startsWith('spotify:track:')) out.push(toTrackInfo(track.data));
  }
  return out;
}

/** The address of a playlist in the Spotify apps. */
export function playlistUrl(id: string): string {
  return `https://open.spotify.com/playlist/${id}`;
}

/** Playlist, library and search calls over the shared client (auth refresh, 429 Retry-After, 5xx back-off). */
export function createPlaylistsApi(client: SpotifyClient) {
  /**
   * One page of liked songs, newest first (`GET /me/tracks`,
   * https://developer.spotify.com/documentation/web-api/reference/get-users-saved-tracks).
   * @throws SpotifyError (see SpotifyClient.get)
   */
  async function savedTracks(account: string, offset: number, limit = SAVED_TRACKS_MAX_LIMIT): Promise<{ items: SavedTrack[]; total: number; has_more: boolean }> {
    const endpoint = 'GET /me/tracks';
    const res = await client.get<unknown>(account, '/me/tracks', { limit: Math.min(limit, SAVED_TRACKS_MAX_LIMIT), offset });
    const page = parsed(savedTracksSchema, res.data ?? { items: [] }, endpoint);
    const items: SavedTrack[] = [];
    for (const item of page.items) {
      const addedAt = Date.parse(item.added_at);
      const [track] = tracksOf([item.track]);
      if (track && Number.isFinite(addedAt)) items.push({ added_at: addedAt, track });
    }
    return { items, total: page.total ?? items.length, has_more: Boolean(page.next) && page.items.length > 0 };
  }

  /**
   * One page of track search results (`GET /search?type=track`, limit <= 10 for development-mode apps).
   * `q` may use the field filters `artist:"…"`, `track:"…"`, `genre:"…"`.
   * @throws SpotifyError (see SpotifyClient.get)
   */
  async function searchTracks(account: string, q: string, offset = 0, limit = SEARCH_MAX_LIMIT): Promise<{ items: TrackInfo[]; total: number }> {
    const res = await client.get<unknown>(account, '/search', { q, type: 'track', limit: Math.min(limit, SEARCH_MAX_LIMIT), offset });
    const page = parsed(searchSchema, res.data ?? { tracks: { items: [] } }, 'GET /search');
    return { items: tracksOf(page.tracks.items), total: page.tracks.total ?? 0 };
  }

  /**
   * Creates a playlist of the current user (`POST /me/playlists`; the old `POST /users/{id}/playlists`
   * answers 403 since February 2026). Needs playlist-modify-private (private) or -public.
   * @throws SpotifyError (a POST is not retried after a 5xx: it may have been applied)
   */
  async function createPlaylist(account: string, details: { name: string; description: string; public: boolean }): Promise<PlaylistRef> {
    const res = await client.send<unknown>(account, 'POST', '/me/playlists', details);
    const playlist = parsed(playlistSchema, res.data, 'POST /me/playlists');
    return { id: playlist.id, url: playlist.external_urls?.spotify ?? playlistUrl(playlist.id) };
  }

  /** Renames a playlist and sets its description (`PUT /playlists/{id}`). @throws SpotifyError */
  async function changeDetails(account: string, playlistId: string, details: { name: string; description: string }): Promise<void> {
    await client.send<unknown>(account, 'PUT', `/playlists/${encodeURIComponent(playlistId)}`, details);
  }

  /**
   * Replaces every item of a playlist with `uris` (`PUT /playlists/{id}/items`): Spotify applies one
   * such request whole or not at all. At most {@link PLAYLIST_ITEMS_MAX} URIs.
   * @throws RangeError for more than 100 URIs; SpotifyError
   */
  async function replaceItems(account: string, playlistId: string, uris: string[]): Promise<string | null> {
    if (uris.length > PLAYLIST_ITEMS_MAX) throw new RangeError(`replaceItems: ${uris.length} URIs, at most ${PLAYLIST_ITEMS_MAX} per request`);
    const res = await client.send<unknown>(account, 'PUT', `/playlists/${encodeURIComponent(playlistId)}/items`, { uris });
    return parsed(snapshotSchema, res.data ?? {}, 'PUT /playlists/{id}/items').snapshot_id ?? null;
  }

  /**
   * Appends `uris` (`POST /playlists/{id}/items`). At most {@link PLAYLIST_ITEMS_MAX} URIs.
   * @throws RangeError for more than 100 URIs; SpotifyError
   */
  async function addItems(account: string, playlistId: string, uris: string[]): Promise<string | null> {
    if (uris.length > PLAYLIST_ITEMS_MAX) throw new RangeError(`addItems: ${uris.length} URIs, at most ${PLAYLIST_ITEMS_MAX} per request`);
    const res = await client.send<unknown>(account, 'POST', `/playlists/${encodeURIComponent(playlistId)}/items`, { uris });
    return parsed(snapshotSchema, res.data ?? {}, 'POST /playlists/{id}/items').snapshot_id ?? null;
  }

  return { savedTracks, searchTracks, createPlaylist, changeDetails, replaceItems, addItems };
}

/** The playlist, library and search calls. */
export type PlaylistsApi = ReturnType<typeof createPlaylistsApi>;
