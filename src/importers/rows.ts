import { z } from 'zod';
import type { TrackInfo } from '../types.js';
import type { RowResult } from './formats/listen.js';
import { parseDateTime } from '../time.js';

/** ISO-8601 with a zone, as Spotify writes `ts` ("2024-08-02T11:56:55Z"). */
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
/** Account-data `endTime`: UTC to the minute ("2023-10-02 23:43"). */
const END_TIME_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/;
/** Spotify launched in 2006; nothing can be older. */
const EARLIEST_MS = Date.UTC(2006, 0, 1);

const str = z.string().nullish();
const flag = z.boolean().nullish();

/**
 * One row of the extended streaming history (Streaming_History_Audio_*.json, _Video_, endsong_*.json).
 * Fields: research/spotify-api.md §5a. Unknown fields are allowed (the format grows) and never read.
 */
export const extendedRowSchema = z.object({
  ts: z.string().regex(ISO_RE, 'an ISO-8601 time with zone such as 2024-08-02T11:56:55Z'),
  ms_played: z.number().int().nonnegative(),
  spotify_track_uri: z.string().startsWith('spotify:track:').nullish(),
  master_metadata_track_name: str,
  master_metadata_album_artist_name: str,
  master_metadata_album_album_name: str,
  spotify_episode_uri: z.string().startsWith('spotify:episode:').nullish(),
  episode_name: str,
  episode_show_name: str,
  audiobook_title: str,
  audiobook_uri: str,
  audiobook_chapter_uri: str,
  audiobook_chapter_title: str,
  reason_start: str,
  reason_end: str,
  shuffle: flag,
  skipped: flag,
  offline: flag,
  incognito_mode: flag,
  platform: str,
});

/** Account-data music row (StreamingHistory_music_N.json): research/spotify-api.md §5b. */
export const accountMusicRowSchema = z.object({
  endTime: z.string().regex(END_TIME_RE, 'UTC to the minute such as 2023-10-02 23:43'),
  artistName: z.string(),
  trackName: z.string(),
  msPlayed: z.number().int().nonnegative(),
});
export const accountPodcastRowSchema = z.object({
  endTime: z.string().regex(END_TIME_RE, 'UTC to the minute such as 2023-10-02 23:43'),
  podcastName: z.string(),
  episodeName: z.string(),
  msPlayed: z.number().int().nonnegative(),
});
export const accountAudiobookRowSchema = z.object({
  endTime: z.string().regex(END_TIME_RE, 'UTC to the minute such as 2023-10-02 23:43'),
  audiobookName: z.string(),
  chapterName: z.string(),
  msPlayed: z.number().int().nonnegative(),
});

/** The Spotify formats a history file can be in; decided from the first row that is an object. */
export type SpotifyRowFormat = 'extended' | 'account-music' | 'account-podcast' | 'account-audiobook';

/**
 * What a file's rows are (the report's `format`): a Spotify format, or a listen format (formats/):
 * `listenbrainz` (export lines, older JSON export, submit payload), `panoscrobbler`, `maloja`,
 * `scrobbler-log` (Rockbox), `lastfm-csv` (Libre.fm / Last.fm), `vibescope` (a Vibescope CSV or JSON export).
 */
export type RowFormat = SpotifyRowFormat | 'listenbrainz' | 'panoscrobbler' | 'maloja' | 'scrobbler-log' | 'lastfm-csv' | 'vibescope';

/** Known fields of each Spotify format (anything else is reported as an unknown field; listen formats carry free-form extras). */
export const KNOWN_FIELDS: Partial<Record<RowFormat, ReadonlySet<string>>> = {
  extended: new Set([...Object.keys(extendedRowSchema.shape), 'username', 'conn_country', 'ip_addr', 'ip_addr_decrypted',
    'user_agent_decrypted', 'offline_timestamp']),
  'account-music': new Set(Object.keys(accountMusicRowSchema.shape)),
  'account-podcast': new Set(Object.keys(accountPodcastRowSchema.shape)),
  'account-audiobook': new Set([...Object.keys(accountAudiobookRowSchema.shape), 'authorName']),
};

/**
 * The row schemas compiled once (zod's `z.compile`, zod ≥ 4.6): `validate` checks a row in place and
 * builds nothing, where `safeParse` builds a result object per field; on 250 000 rows that allocation
 * cost more in garbage collection than the checks themselves. A compiled schema is a clone that parses as
 * the original does (the fast path first, the runtime parser when it refuses), so only a refused row pays
 * for `safeParse`, for its message. Compiling never throws: a schema zod cannot compile keeps its runtime
 * parser (zod's documented fallback), so the answers are the same either way.
 */
const extendedRowCheck = z.compile(extendedRowSchema);
const accountMusicRowCheck = z.compile(accountMusicRowSchema);
const accountPodcastRowCheck = z.compile(accountPodcastRowSchema);
const accountAudiobookRowCheck = z.compile(accountAudiobookRowSchema);

/**
 * The row as `check`'s type when it accepts it, else why not (zod's issues as one sentence).
 * A schema here drops no field a caller reads and transforms nothing, so the checked input is the data.
 */
function checkRow<S extends z.ZodObject>(check: S, raw: unknown): { data: z.output<S> } | { reason: string } {
  if (check.validate(raw)) return { data: raw as z.output<S> };
  const parsed = check.safeParse(raw);
  // validate and safeParse answer alike (zod's contract, tested on real rows); were they ever to differ, the row is refused, not let through
  return { reason: parsed.success ? 'row: not in the expected shape' : describe(parsed.error) };
}

/** Guesses a JSON row's format from its keys, or null. */
export function detectFormat(row: unknown): RowFormat | null {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return null;
  if ('ts' in row && 'ms_played' in row) return 'extended';
  if ('listened_at' in row || 'track_metadata' in row) return 'listenbrainz';
  if ('timeMs' in row && 'track' in row) return 'panoscrobbler';
  if ('endTime' in row && 'msPlayed' in row) {
    if ('trackName' in row) return 'account-music';
    if ('episodeName' in row) return 'account-podcast';
    if ('chapterName' in row) return 'account-audiobook';
  }
  return null;
}

export type { RowResult } from './formats/listen.js';

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
}

function checkTime(ms: number): string | null {
  if (!Number.isFinite(ms)) return 'not a date that exists (such as 2024-02-30 or 24:00)';
  if (ms < EARLIEST_MS) return 'before 2006 (Spotify did not exist)';
  if (ms > Date.now() + 86_400_000) return 'in the future';
  return null;
}

/** Extended history row → record. Rows with no track, episode or audiobook URI are rejected. */
export function fromExtendedRow(raw: unknown, account: string): RowResult {
  const checked = checkRow(extendedRowCheck, raw);
  if ('reason' in checked) return { ok: false, reason: checked.reason };
  const r = checked.data;
  // Strict: a date that does not exist (2024-02-30, T24:00) is refused, not rolled over as Date.parse does.
  const endedAt = parseDateTime(r.ts, 'UTC') ?? Number.NaN;
  const bad = checkTime(endedAt);
  if (bad) return { ok: false, reason: `ts: ${bad}` };
  let track: TrackInfo;
  if (r.spotify_track_uri) {
    track = {
      uri: r.spotify_track_uri, content: 'track', name: r.master_metadata_track_name ?? '(unknown track)',
      artists: r.master_metadata_album_artist_name ? [{ spotify_id: null, name: r.master_metadata_album_artist_name }] : [],
      album: r.master_metadata_album_album_name ? { spotify_id: null, name: r.master_metadata_album_album_name, image_url: null } : null,
      duration_ms: null, isrc: null,
    };
  } else if (r.spotify_episode_uri) {
    track = {
      uri: r.spotify_episode_uri, content: 'episode', name: r.episode_name ?? '(unknown episode)',
      artists: r.episode_show_name ? [{ spotify_id: null, name: r.episode_show_name }] : [],
      album: null, duration_ms: null, isrc: null,
    };
  } else if (r.audiobook_chapter_uri || r.audiobook_uri) {
    track = {
      uri: (r.audiobook_chapter_uri ?? r.audiobook_uri)!, content: 'audiobook',
      name: r.audiobook_chapter_title ?? r.audiobook_title ?? '(unknown chapter)',
      artists: r.audiobook_title ? [{ spotify_id: null, name: r.audiobook_title }] : [],
      album: null, duration_ms: null, isrc: null,
    };
  } else {
    return { ok: false, reason: 'no spotify_track_uri, spotify_episode_uri or audiobook_chapter_uri' };
  }
  return {
    ok: true,
    record: {
      account, source: 'import-extended', ended_at: endedAt, ms_played: r.ms_played, track,
      reason_start: r.reason_start ?? null, reason_end: r.reason_end ?? null, skipped: r.skipped ?? null,
      shuffle: r.shuffle ?? null, offline: r.offline ?? null, incognito: r.incognito_mode ?? null,
      platform: r.platform ?? null,
    },
  };
}

/** Account-data row (music, podcast or audiobook) → record with name-based identity. */
export function fromAccountRow(raw: unknown, format: Exclude<SpotifyRowFormat, 'extended'>, account: string): RowResult {
  let endTime: string; let msPlayed: number; let track: TrackInfo;
  if (format === 'account-music') {
    const parsed = checkRow(accountMusicRowCheck, raw);
    if ('reason' in parsed) return { ok: false, reason: parsed.reason };
    ({ endTime, msPlayed } = parsed.data);
    track = { uri: null, content: 'track', name: parsed.data.trackName,
      artists: [{ spotify_id: null, name: parsed.data.artistName }], album: null, duration_ms: null, isrc: null };
  } else if (format === 'account-podcast') {
    const parsed = checkRow(accountPodcastRowCheck, raw);
    if ('reason' in parsed) return { ok: false, reason: parsed.reason };
    ({ endTime, msPlayed } = parsed.data);
    track = { uri: null, content: 'episode', name: parsed.data.episodeName,
      artists: [{ spotify_id: null, name: parsed.data.podcastName }], album: null, duration_ms: null, isrc: null };
  } else {
    const parsed = checkRow(accountAudiobookRowCheck, raw);
    if ('reason' in parsed) return { ok: false, reason: parsed.reason };
    ({ endTime, msPlayed } = parsed.data);
    track = { uri: null, content: 'audiobook', name: parsed.data.chapterName,
      artists: [{ spotify_id: null, name: parsed.data.audiobookName }], album: null, duration_ms: null, isrc: null };
  }
  const endedAt = parseDateTime(endTime, 'UTC') ?? Number.NaN;
  const bad = checkTime(endedAt);
  if (bad) return { ok: false, reason: `endTime: ${bad}` };
  return { ok: true, record: { account, source: 'import-account', ended_at: endedAt, ms_played: msPlayed, track } };
}
