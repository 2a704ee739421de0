import { z } from 'zod';
import type { TrackInfo } from '../types.js';

/**
 * Schemas for the parts of Spotify's objects we use (OpenAPI spec in shared/spotify/api/spec). Fields
 * removed for development-mode apps in 2026 (popularity, available_markets, genres…) are not read;
 * everything else is optional where Spotify may omit it.
 */
const image = z.looseObject({ url: z.string(), width: z.number().nullish(), height: z.number().nullish() });
const artist = z.looseObject({ id: z.string().nullish(), name: z.string() });
const album = z.looseObject({ id: z.string().nullish(), name: z.string(), images: z.array(image).nullish() });
export const trackSchema = z.looseObject({
  type: z.literal('track'), id: z.string().nullish(), uri: z.string(), name: z.string(), duration_ms: z.number(),
  artists: z.array(artist).default([]), album: album.nullish(), external_ids: z.looseObject({ isrc: z.string().nullish() }).nullish(),
});
export const episodeSchema = z.looseObject({
  type: z.literal('episode'), id: z.string().nullish(), uri: z.string(), name: z.string(), duration_ms: z.number(),
  show: z.looseObject({ id: z.string().nullish(), name: z.string(), images: z.array(image).nullish() }).nullish(),
  images: z.array(image).nullish(),
});

/** GET /me/player/recently-played. `played_at` is the END of the play (ISO-8601, UTC). */
export const recentlyPlayedSchema = z.looseObject({
  items: z.array(z.looseObject({
    track: trackSchema,
    played_at: z.string(),
    context: z.looseObject({ uri: z.string().nullish() }).nullish(),
  })),
  cursors: z.looseObject({ after: z.string().nullish(), before: z.string().nullish() }).nullish(),
});

/** GET /me/player (additional_types=episode). */
export const playerSchema = z.looseObject({
  timestamp: z.number().nullish(),
  progress_ms: z.number().nullish(),
  is_playing: z.boolean().default(false),
  currently_playing_type: z.string().nullish(),
  item: z.union([trackSchema, episodeSchema]).nullish(),
  device: z.looseObject({ id: z.string().nullish(), name: z.string().nullish(), type: z.string().nullish(),
    is_private_session: z.boolean().nullish() }).nullish(),
  context: z.looseObject({ uri: z.string().nullish() }).nullish(),
  shuffle_state: z.boolean().nullish(),
  repeat_state: z.enum(['off', 'track', 'context']).nullish(),
});

export type SpotifyTrack = z.infer<typeof trackSchema>;
export type SpotifyEpisode = z.infer<typeof episodeSchema>;
export type PlayerState = z.infer<typeof playerSchema>;

/** The largest image (Spotify lists them widest first, but we do not rely on it). */
function largest(images: z.infer<typeof image>[] | null | undefined): string | null {
  if (!images || images.length === 0) return null;
  return [...images].sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0]!.url;
}

/** A Web API track or episode object → {@link TrackInfo}. */
export function toTrackInfo(item: SpotifyTrack | SpotifyEpisode): TrackInfo {
  if (item.type === 'track') {
    return {
      uri: item.uri, content: 'track', name: item.name, duration_ms: item.duration_ms, isrc: item.external_ids?.isrc ?? null,
      artists: item.artists.map((a) => ({ spotify_id: a.id ?? null, name: a.name })),
      album: item.album ? { spotify_id: item.album.id ?? null, name: item.album.name, image_url: largest(item.album.images) } : null,
    };
  }
  return {
    uri: item.uri, content: 'episode', name: item.name, duration_ms: item.duration_ms, isrc: null,
    artists: item.show ? [{ spotify_id: item.show.id ?? null, name: item.show.name }] : [],
    album: item.show ? { spotify_id: item.show.id ?? null, name: item.show.name, image_url: largest(item.images ?? item.show.images) } : null,
  };
}
