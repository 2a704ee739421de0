import { z } from 'zod';
import type { ContentType, TrackInfo } from '../types.js';
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

/** Most distinct tracks and strings one {@link RowShare} keeps; past it, it starts afresh. */
const SHARE_MAX = 50_000;

/**
 * What the records of one file share. A history names the same tracks and the same few reason and
 * platform strings again and again; each row's parse makes its own copies, and an import holds a file's
 * records until they are applied, so without sharing every row kept ~5 objects and ~6 strings of its
 * own past several young-generation collections. With it, a row naming a track an earlier row named
 * (same URI and names) gets that row's {@link TrackInfo}, and a repeated string the first copy; the
 * row's own copies die young. Shared TrackInfos are never changed after they are built (nothing in
 * ingest or the store writes to a record's track).
 */
export class RowShare {
  private readonly tracks = new Map<string, TrackInfo>();
  private readonly strings = new Map<string, string>();

  /** The first copy of `text` seen (null and undefined as null). */
  string(text: string | null | undefined): string | null {
    if (text === null || text === undefined) return null;
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    if (this.strings.size >= SHARE_MAX) this.strings.clear();
    this.strings.set(text, text);
    return text;
  }

  /**
   * The track filed under `key` when its content type, name, first artist and album name are these, else
   * `build()`'s (then filed under `key`).
   */
  track(key: string, content: ContentType, name: string, artist: string | null, album: string | null, build: () => TrackInfo): TrackInfo {
    const known = this.tracks.get(key);
    if (known && known.content === content && known.name === name && (known.artists[0]?.name ?? null) === artist && (known.album?.name ?? null) === album) return known;
    const track = build();
    if (this.tracks.size >= SHARE_MAX) this.tracks.clear();
    this.tracks.set(key, track);
    return track;
  }
}

/** Extended history row → record. Rows with no track, episode or audiobook URI are rejected. */
export function fromExtendedRow(raw: unknown, account: string, share: RowShare = new RowShare()): RowResult {
  const checked = checkRow(extendedRowCheck, raw);
  if ('reason' in checked) return { ok: false, reason: checked.reason };
  const r = checked.data;
  // Strict: a date that does not exist (2024-02-30, T24:00) is refused, not rolled over as Date.parse does.
  const endedAt = parseDateTime(r.ts, 'UTC') ?? Number.NaN;
  const bad = checkTime(endedAt);
  if (bad) return { ok: false, reason: `ts: ${bad}` };
  let track: TrackInfo;
  if (r.spotify_track_uri) {
    const uri = r.spotify_track_uri;
    const name = r.master_metadata_track_name ?? '(unknown track)';
    const artist = r.master_metadata_album_artist_name || null;
    const album = r.master_metadata_album_album_name || null;
    track = share.track(uri, 'track', name, artist, album, () => ({
      uri, content: 'track', name, artists: artist ? [{ spotify_id: null, name: artist }] : [],
      album: album ? { spotify_id: null, name: album, image_url: null } : null, duration_ms: null, isrc: null,
    }));
  } else if (r.spotify_episode_uri) {
    const uri = r.spotify_episode_uri;
    const name = r.episode_name ?? '(unknown episode)';
    const show = r.episode_show_name || null;
    track = share.track(uri, 'episode', name, show, null, () => ({
      uri, content: 'episode', name, artists: show ? [{ spotify_id: null, name: show }] : [], album: null, duration_ms: null, isrc: null,
    }));
  } else if (r.audiobook_chapter_uri || r.audiobook_uri) {
    const uri = (r.audiobook_chapter_uri ?? r.audiobook_uri)!;
    const name = r.audiobook_chapter_title ?? r.audiobook_title ?? '(unknown chapter)';
    const book = r.audiobook_title || null;
    track = share.track(uri, 'audiobook', name, book, null, () => ({
      uri, content: 'audiobook', name, artists: book ? [{ spotify_id: null, name: book }] : [], album: null, duration_ms: null, isrc: null,
    }));
  } else {
    return { ok: false, reason: 'no spotify_track_uri, spotify_episode_uri or audiobook_chapter_uri' };
  }
  return {
    ok: true,
    record: {
      account, source: 'import-extended', ended_at: endedAt, ms_played: r.ms_played, track,
      reason_start: share.string(r.reason_start), reason_end: share.string(r.reason_end), skipped: r.skipped ?? null,
      shuffle: r.shuffle ?? null, offline: r.offline ?? null, incognito: r.incognito_mode ?? null,
      platform: share.string(r.platform),
    },
  };
}

/** Account-data row (music, podcast or audiobook) → record with name-based identity. */
export function fromAccountRow(raw: unknown, format: Exclude<SpotifyRowFormat, 'extended'>, account: string, share: RowShare = new RowShare()): RowResult {
  let endTime: string; let msPlayed: number; let track: TrackInfo;
  /** A track without URI, filed by its name (account data names no URI). */
  const named = (content: ContentType, name: string, artist: string): TrackInfo => share.track(name, content, name, artist, null, () => ({
    uri: null, content, name, artists: [{ spotify_id: null, name: artist }], album: null, duration_ms: null, isrc: null }));
  if (format === 'account-music') {
    const parsed = checkRow(accountMusicRowCheck, raw);
    if ('reason' in parsed) return { ok: false, reason: parsed.reason };
    ({ endTime, msPlayed } = parsed.data);
    track = named('track', parsed.data.trackName, parsed.data.artistName);
  } else if (format === 'account-podcast') {
    const parsed = checkRow(accountPodcastRowCheck, raw);
    if ('reason' in parsed) return { ok: false, reason: parsed.reason };
    ({ endTime, msPlayed } = parsed.data);
    track = named('episode', parsed.data.episodeName, parsed.data.podcastName);
  } else {
    const parsed = checkRow(accountAudiobookRowCheck, raw);
    if ('reason' in parsed) return { ok: false, reason: parsed.reason };
    ({ endTime, msPlayed } = parsed.data);
    track = named('audiobook', parsed.data.chapterName, parsed.data.audiobookName);
  }
  const endedAt = parseDateTime(endTime, 'UTC') ?? Number.NaN;
  const bad = checkTime(endedAt);
  if (bad) return { ok: false, reason: `endTime: ${bad}` };
  return { ok: true, record: { account, source: 'import-account', ended_at: endedAt, ms_played: msPlayed, track } };
}
