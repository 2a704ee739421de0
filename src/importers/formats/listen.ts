import type { IncomingStream, ScrobbleSource, TrackInfo } from '../../types.js';

/** A row turned into a record, or the reason it cannot be. */
export type RowResult = { ok: true; record: IncomingStream } | { ok: false; reason: string };

/** A play by Spotify's rule is at least this long (PRODUCT.md "play"; ingest's PLAY_MIN_MS). */
const PLAY_MIN_MS = 30_000;

/**
 * The oldest listen ListenBrainz accepts: 2002-10-01 00:00 UTC in seconds (LISTEN_MINIMUM_TS in
 * listenbrainz/listenstore/__init__.py: "October 2002 is date before which most Last.FM data is rubbish").
 */
export const LISTEN_MINIMUM_TS = Date.UTC(2002, 9, 1) / 1000;
/** ListenBrainz allows listened_at up to an hour ahead of its clock (API_LISTENED_AT_ALLOWED_SKEW). */
export const LISTENED_AT_SKEW_S = 3600;

const MBID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A MusicBrainz id in canonical form, or null when `value` is not one. */
export function mbidOf(value: unknown): string | null {
  return typeof value === 'string' && MBID_RE.test(value.trim()) ? value.trim().toLowerCase() : null;
}

/**
 * Checks a listen timestamp by ListenBrainz's rules (validate_listened_at in
 * listenbrainz/webserver/views/api_tools.py): a number of seconds since the epoch, not before
 * 2002-10-01, not more than an hour ahead. Milliseconds and nanoseconds are refused, as there.
 * @returns the reason it is refused, or null when it is good.
 */
export function listenedAtProblem(value: unknown, nowMs: number = Date.now()): string | null {
  if (value === null || value === undefined) return 'listened_at: missing (null)';
  if (typeof value !== 'number' || !Number.isFinite(value)) return `listened_at: not a number (${JSON.stringify(value)})`;
  if (value < LISTEN_MINIMUM_TS) return `listened_at: ${value} is before 2002-10-01, the oldest listen ListenBrainz accepts`;
  if (value >= nowMs / 1000 + LISTENED_AT_SKEW_S) {
    return value > 1e11 ? `listened_at: ${value} looks like milliseconds or nanoseconds; expected seconds since the epoch`
      : `listened_at: ${value} is in the future`;
  }
  return null;
}

/** A listen as a scrobbling source describes it, before it becomes a record. */
export interface Listen {
  /** The listen's timestamp in seconds (the START, unless `end_stamped`). */
  listened_at_s: number;
  /** Credited artists, first = primary (its normalized name is the track's identity without a URI). */
  artists: string[];
  title: string;
  album: string | null;
  /** The track's length, ms, when the source knows it. */
  duration_ms: number | null;
  /** What was actually played, ms, when the source says (Maloja's `duration`, Spotify's ms_played). */
  played_ms: number | null;
  spotify_uri: string | null;
  isrc: string | null;
  recording_mbid: string | null;
  /** The player marked it skipped (a .scrobbler.log rating S). */
  skipped?: boolean;
  /**
   * The timestamp is the END (listens ListenBrainz took from Spotify itself keep Spotify's played_at);
   * else it is the start.
   */
  end_stamped?: boolean;
  /** The player or client that scrobbled it (kept as the stream's platform). */
  client?: string | null;
}

/** `https://open.spotify.com/track/ID`, `spotify:track:ID` → `spotify:track:ID`; else null. */
export function spotifyTrackUri(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(?:spotify:track:|https?:\/\/open\.spotify\.com\/(?:intl-[a-z-]+\/)?track\/)([A-Za-z0-9]{22})\b/.exec(value.trim());
  return m ? `spotify:track:${m[1]}` : null;
}

/** A name that ListenBrainz would accept: a string, not empty once trimmed, without NUL. */
export function nameProblem(field: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${field}: missing`;
  if (value.trim() === '') return `${field}: empty`;
  if (value.includes('\u0000')) return `${field}: contains a NUL character`;
  return null;
}

/**
 * A listen → a record (PRODUCT.md "listen / scrobble": its timestamp is the start):
 * - ms_played: what was played when known, else the track's length (a scrobble is a play, as a
 *   polled recently-played item is), else 30 000 ms, the least a play can be (Libre.fm / Last.fm CSVs
 *   carry no duration: such a play adds 30 s of listening time unless it merges with a Spotify record
 *   of the same stream, whose ms_played wins); a skipped one (rating S) 0;
 * - ended_at: the start plus ms_played (or the timestamp itself when `end_stamped`).
 * Same-stream matching against Spotify compares starts and ends (ingest/same-stream.ts).
 */
export function listenToRecord(l: Listen, source: ScrobbleSource, account: string, nowMs: number = Date.now()): RowResult {
  const bad = listenedAtProblem(l.listened_at_s, nowMs);
  if (bad) return { ok: false, reason: bad };
  const msPlayed = l.skipped ? 0 : Math.round(l.played_ms ?? l.duration_ms ?? PLAY_MIN_MS);
  const at = Math.floor(l.listened_at_s * 1000);
  const track: TrackInfo = {
    uri: l.spotify_uri, content: 'track', name: l.title.trim(),
    artists: l.artists.map((name) => ({ spotify_id: null, name: name.trim() })),
    album: l.album?.trim() ? { spotify_id: null, name: l.album.trim(), image_url: null } : null,
    duration_ms: l.duration_ms === null ? null : Math.round(l.duration_ms), isrc: l.isrc?.trim().toUpperCase() || null,
  };
  return {
    ok: true,
    record: {
      account, source, ended_at: l.end_stamped ? at : at + msPlayed, ms_played: msPlayed, track,
      skipped: l.skipped ? true : null, platform: l.client ?? null, recording_mbid: l.recording_mbid,
    },
  };
}

/** A positive number (or numeric string) of seconds or ms, else null. */
export function positive(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}
