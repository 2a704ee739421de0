import { DateTime } from '../../luxon.js';
import type { ScrobblerLogLine } from './containers.js';
import { listenToRecord, mbidOf, nameProblem, positive, spotifyTrackUri, type RowResult } from './listen.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Obj : null);

/**
 * One scrobble of a Maloja export (`scrobbles[]`: `time` s = start, `track.artists[]`, `track.title`,
 * `track.album.albumtitle`, `track.length` s, `duration` s played, `origin` "client:NAME"), as
 * ListenBrainz's Maloja importer reads it (listenbrainz/background/listens_importer/maloja.py).
 */
export function fromMalojaScrobble(raw: unknown, account: string, nowMs = Date.now()): RowResult {
  const s = obj(raw);
  if (!s) return { ok: false, reason: 'not a JSON object' };
  const track = obj(s.track);
  if (!track) return { ok: false, reason: 'track: missing' };
  const artists = Array.isArray(track.artists) ? (track.artists as unknown[]).filter((a): a is string => typeof a === 'string' && a.trim() !== '') : [];
  if (artists.length === 0) return { ok: false, reason: 'track.artists: missing or empty' };
  const title = nameProblem('track.title', track.title);
  if (title) return { ok: false, reason: title };
  const album = obj(track.album);
  const length = positive(track.length);
  const played = positive(s.duration);
  const origin = typeof s.origin === 'string' ? s.origin.split(':').at(-1)!.trim() || null : null;
  return listenToRecord({
    listened_at_s: s.time as number, artists, title: track.title as string,
    album: typeof album?.albumtitle === 'string' ? album.albumtitle : null,
    duration_ms: length === null ? null : length * 1000, played_ms: played === null ? null : played * 1000,
    spotify_uri: null, isrc: null, recording_mbid: null, client: origin,
  }, 'import-maloja', account, nowMs);
}

/**
 * One line of a Pano Scrobbler (Android) export: `timeMs` (start, ms), `artist`, `track`, `album`,
 * `albumArtist`, `durationMs`, `mediaPlayerName`, `event` ("scrobble"); as ListenBrainz reads it
 * (listenbrainz/background/listens_importer/panoscrobbler.py). Other events are not listens.
 */
export function fromPanoScrobblerLine(raw: unknown, account: string, nowMs = Date.now()): RowResult {
  const s = obj(raw);
  if (!s) return { ok: false, reason: 'not a JSON object' };
  if (s.event !== undefined && s.event !== 'scrobble') return { ok: false, reason: `event: "${String(s.event)}" is not a scrobble` };
  const names = nameProblem('artist', s.artist) ?? nameProblem('track', s.track);
  if (names) return { ok: false, reason: names };
  if (typeof s.timeMs !== 'number') return { ok: false, reason: `timeMs: not a number (${JSON.stringify(s.timeMs ?? null)})` };
  return listenToRecord({
    listened_at_s: s.timeMs / 1000, artists: [s.artist as string], title: s.track as string,
    album: typeof s.album === 'string' ? s.album : null, duration_ms: positive(s.durationMs), played_ms: null,
    spotify_uri: null, isrc: null, recording_mbid: null, client: typeof s.mediaPlayerName === 'string' ? s.mediaPlayerName : null,
  }, 'import-panoscrobbler', account, nowMs);
}

/**
 * One line of an Audioscrobbler 1.1 `.scrobbler.log` (Rockbox): ARTIST ALBUM TITLE TRACKNUM LENGTH (s)
 * RATING TIMESTAMP (start, s) MUSICBRAINZ_TRACKID (the recording MBID, as Picard tags it). Rating L
 * is a listen, S a skip (played under half of it): stored as a skip with ms_played 0. Under
 * `#TZ/UNKNOWN` the timestamps are the player's local time, read in `timeZone` (the configured zone,
 * as ListenBrainz reads them in the user's zone); `#TZ/UTC` means UTC. `<Untagged>` files are refused.
 */
export function fromScrobblerLogLine(raw: unknown, account: string, timeZone: string, nowMs = Date.now()): RowResult {
  const { fields, tz, client } = raw as ScrobblerLogLine;
  if (fields.length < 7 || fields.length > 8) return { ok: false, reason: `expected 7 or 8 tab-separated fields, got ${fields.length}` };
  const [artist, album, title, , length, rating, timestamp, mbid] = fields as [string, string, string, string, string, string, string, string | undefined];
  if (artist === '<Untagged>') return { ok: false, reason: 'the file had no tags (<Untagged>), so there is no artist to record' };
  const names = nameProblem('artist', artist) ?? nameProblem('title', title);
  if (names) return { ok: false, reason: names };
  if (rating !== 'L' && rating !== 'S') return { ok: false, reason: `rating: "${rating}" (expected L or S)` };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: `timestamp: "${timestamp}" is not seconds since the epoch` };
  let seconds = Number(timestamp);
  if (tz !== 'UTC') seconds = DateTime.fromSeconds(seconds, { zone: 'UTC' }).setZone(timeZone, { keepLocalTime: true }).toSeconds();
  const lengthS = positive(length);
  return listenToRecord({
    listened_at_s: seconds, artists: [artist], title, album: album || null, duration_ms: lengthS === null ? null : lengthS * 1000,
    played_ms: null, spotify_uri: null, isrc: null, recording_mbid: mbidOf(mbid), skipped: rating === 'S', client,
  }, 'import-scrobbler-log', account, nowMs);
}

/** Column names (lower case) of a Libre.fm / Last.fm CSV header, by what they hold. */
const CSV_COLUMNS: Record<'artist' | 'track' | 'album' | 'time' | 'mbid' | 'spotify', readonly string[]> = {
  artist: ['artist', 'artist_name', 'artist name'],
  track: ['track', 'title', 'track_name', 'track name', 'name'],
  album: ['album', 'release', 'album_name', 'album name', 'release_name'],
  time: ['time', 'uts', 'timestamp', 'date', 'listened_at', 'utc_time'],
  mbid: ['track_mbid', 'recording_mbid', 'mbid'],
  spotify: ['spotify_uri', 'track_uri', 'spotify_id'],
};

/** Where each field is in a CSV's rows: from its header, or Last.fm's headerless order (artist, album, track, time). */
export type CsvColumns = Partial<Record<keyof typeof CSV_COLUMNS, number>>;

/**
 * The columns of a header row (names compared case-insensitively, extra columns such as `userid`
 * ignored, as ListenBrainz's Libre.fm importer does), or null when `record` is not a header (it
 * must name an artist, a track and a time column).
 */
export function csvHeader(record: string[]): CsvColumns | null {
  const names = record.map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  const columns: CsvColumns = {};
  for (const [field, aliases] of Object.entries(CSV_COLUMNS) as [keyof typeof CSV_COLUMNS, readonly string[]][]) {
    const i = names.findIndex((n) => aliases.includes(n));
    if (i >= 0) columns[field] = i;
  }
  return columns.artist !== undefined && columns.track !== undefined && columns.time !== undefined ? columns : null;
}

/** The column order of a headerless Last.fm CSV (benjaminbenben's lastfm-to-csv, the common one): artist, album, track, date. */
export const HEADERLESS_COLUMNS: CsvColumns = { artist: 0, album: 1, track: 2, time: 3 };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A CSV time: seconds since the epoch, "31 Jan 2020 18:04" (Last.fm's own, UTC) or ISO-8601 with a zone; else NaN. */
export function csvTime(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const m = /^(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4}),? (\d{1,2}):(\d{2})$/.exec(t);
  if (m) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    if (month >= 0) return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5])) / 1000;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) return Date.parse(t) / 1000;
  return Number.NaN;
}

/** One data row of a Libre.fm / Last.fm CSV → a record (ListenBrainz's Libre.fm importer: listenbrainz/background/listens_importer/librefm.py). */
export function fromCsvRow(record: string[], columns: CsvColumns, headerless: boolean, account: string, nowMs = Date.now()): RowResult {
  if (headerless && record.length !== 4) {
    return { ok: false, reason: `a CSV without a header needs 4 columns (artist, album, track, time, as Last.fm exports it); this row has ${record.length}` };
  }
  const get = (field: keyof CsvColumns) => (columns[field] === undefined ? '' : (record[columns[field]!] ?? '').trim());
  const names = nameProblem('artist', get('artist')) ?? nameProblem('track', get('track'));
  if (names) return { ok: false, reason: names };
  const seconds = csvTime(get('time'));
  if (Number.isNaN(seconds)) return { ok: false, reason: `time: "${get('time')}" is not seconds since the epoch or a date such as 31 Jan 2020 18:04` };
  return listenToRecord({
    listened_at_s: seconds, artists: [get('artist')], title: get('track'), album: get('album') || null, duration_ms: null, played_ms: null,
    spotify_uri: spotifyTrackUri(get('spotify')), isrc: null, recording_mbid: mbidOf(get('mbid')), client: null,
  }, 'import-lastfm', account, nowMs);
}
