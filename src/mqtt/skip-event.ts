import type { StreamRow } from '../types.js';

/** The payload of the Skip event entity (HA event platform: `event_type` plus attributes). */
export interface SkipEvent {
  event_type: 'skip';
  track: string;
  artists: string[];
  track_uri: string | null;
  /** Listening before the skip (the stream's ms_played), s, one decimal. */
  listened_s: number;
  /** The track's length, s, one decimal; null when unknown. */
  duration_s: number | null;
  /** When the stream ended (ISO 8601, UTC). */
  ended_at: string;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * The skip event for a skipped stream. There is no `position_s`: the stream records how long it was
 * heard (ms_played), not where in the track it stopped (a seek makes the two differ), and the old
 * field was a copy of `listened_s`.
 */
export function skipEvent(row: StreamRow): SkipEvent {
  return { event_type: 'skip', track: row.track_name, artists: row.artist_name ? [row.artist_name] : [], track_uri: row.track_uri,
    listened_s: seconds(row.ms_played), duration_s: row.duration_ms === null ? null : seconds(row.duration_ms),
    ended_at: new Date(row.ended_at).toISOString() };
}
