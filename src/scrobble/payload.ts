import { toListen } from '../exports/index.js';
import type { StreamRow } from '../types.js';
import { LISTEN_MINIMUM_TS } from '../importers/index.js';

/**
 * ListenBrainz's limits (listenbrainz/webserver/views/api_tools.py): one listen at most 10 240 bytes
 * of JSON, an `import` at most 1000 listens.
 */
export const MAX_LISTEN_BYTES = 10_240;
export const MAX_LISTENS_PER_IMPORT = 1000;
/** The Audioscrobbler rule's cap: a play of a known duration counts once half of it, or 4 minutes, was heard. */
export const SCROBBLE_HALF_CAP_MS = 240_000;

/**
 * PRODUCT.md "listen / scrobble": a play is scrobbled once it has played >= 30 s (every play has) and,
 * when the duration is known, >= half the track or >= 4 minutes. Skips and other streams never.
 */
export function scrobbleWorthy(s: Pick<StreamRow, 'kind' | 'content' | 'ms_played' | 'duration_ms'>): boolean {
  if (s.kind !== 'play' || s.content !== 'track') return false;
  return s.duration_ms === null || s.ms_played >= Math.min(s.duration_ms / 2, SCROBBLE_HALF_CAP_MS);
}

/** The SQL form of {@link scrobbleWorthy} over `streams s JOIN tracks t`. */
export const SCROBBLE_WORTHY_SQL = `s.kind = 1 AND s.content = 0 AND (t.duration_ms IS NULL OR s.ms_played * 2 >= t.duration_ms OR s.ms_played >= ${SCROBBLE_HALF_CAP_MS})`;

/**
 * A play as a listen to submit (the ListenBrainz JSON format; listened_at = the START in seconds), or
 * the reason it cannot be one by ListenBrainz's rules (no artist, a name with NUL, before 2002-10-01,
 * larger than {@link MAX_LISTEN_BYTES}): such a play is marked refused and never sent.
 */
export function listenOf(s: StreamRow & { isrc: string | null }, version: string): { listen: Record<string, unknown>; bytes: number } | { problem: string } {
  if (!s.artist_name?.trim()) return { problem: 'the track has no artist name (ListenBrainz requires one)' };
  if (!s.track_name.trim()) return { problem: 'the track has no name' };
  if (`${s.artist_name}${s.track_name}${s.album_name ?? ''}`.includes('\u0000')) return { problem: 'a name contains a NUL character' };
  const listen = toListen(s, version);
  if ((listen.listened_at as number) < LISTEN_MINIMUM_TS) return { problem: 'it started before 2002-10-01, the oldest listen ListenBrainz accepts' };
  const bytes = Buffer.byteLength(JSON.stringify(listen));
  if (bytes > MAX_LISTEN_BYTES) return { problem: `its listen is ${bytes} bytes, more than ListenBrainz's ${MAX_LISTEN_BYTES}` };
  return { listen, bytes };
}

/** A listen for `playing_now` (no listened_at; ListenBrainz rejects one that has it). */
export function playingNowOf(track: { track_name: string; artists: string[]; album_name: string | null; duration_ms: number | null; track_uri: string | null }, version: string): Record<string, unknown> | null {
  const artist = track.artists.join(', ').trim();
  if (!artist || !track.track_name.trim()) return null;
  const info: Record<string, unknown> = { submission_client: 'Vibescope', submission_client_version: version };
  if (track.duration_ms) info.duration_ms = track.duration_ms;
  if (track.track_uri?.startsWith('spotify:track:')) {
    info.spotify_id = `https://open.spotify.com/track/${track.track_uri.slice(14)}`;
    info.music_service = 'spotify.com';
  }
  return { track_metadata: { artist_name: artist, track_name: track.track_name, ...(track.album_name ? { release_name: track.album_name } : {}), additional_info: info } };
}
