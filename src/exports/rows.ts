import type { StreamRow } from '../types.js';

/**
 * The fields of one exported stream (CSV columns in this order, JSON keys): Vibescope's export schema,
 * version 1 (DOCS.md "Export"). Times are ms since the epoch, UTC (`ended_at_utc` repeats ended_at as
 * ISO-8601 for people); `sources` lists every source that recorded the stream, `|`-separated in CSV.
 */
export const EXPORT_FIELDS = ['account', 'ended_at', 'ended_at_utc', 'ms_played', 'kind', 'content', 'track_name', 'artist_name', 'album_name',
  'track_uri', 'isrc', 'duration_ms', 'source', 'sources', 'reason_start', 'reason_end', 'skipped', 'shuffle', 'offline', 'incognito',
  'platform', 'device', 'context_uri'] as const;

/** The version of {@link EXPORT_FIELDS} (the JSON export's `vibescope_export.version`). */
export const EXPORT_VERSION = 1;

export type ExportField = (typeof EXPORT_FIELDS)[number];
/** One exported stream. */
export type ExportRow = Record<ExportField, string | number | boolean | string[] | null>;

/** A stored stream (with its ISRC) as an export row. */
export function toExportRow(s: StreamRow & { isrc: string | null }): ExportRow {
  return {
    account: s.account, ended_at: s.ended_at, ended_at_utc: new Date(s.ended_at).toISOString(), ms_played: s.ms_played, kind: s.kind,
    content: s.content, track_name: s.track_name, artist_name: s.artist_name, album_name: s.album_name, track_uri: s.track_uri,
    isrc: s.isrc, duration_ms: s.duration_ms, source: s.source, sources: s.sources, reason_start: s.reason_start, reason_end: s.reason_end,
    skipped: s.skipped, shuffle: s.shuffle, offline: s.offline, incognito: s.incognito, platform: s.platform, device: s.device,
    context_uri: s.context_uri,
  };
}

/** One CSV field (RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled). Null is empty. */
function csvField(value: ExportRow[ExportField]): string {
  if (value === null) return '';
  const text = Array.isArray(value) ? value.join('|') : String(value);
  return /[",\r\n]/.test(text) || /^[\s#]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV header line (CRLF, RFC 4180). */
export const CSV_HEADER = `${EXPORT_FIELDS.join(',')}\r\n`;

/** One stream as a CSV line. */
export function csvLine(row: ExportRow): string {
  return `${EXPORT_FIELDS.map((f) => csvField(row[f])).join(',')}\r\n`;
}

/**
 * A play as a listen in ListenBrainz's import format (one JSON line, https://listenbrainz.readthedocs.io/en/latest/users/json.html):
 * `listened_at` is the START in seconds (ended_at - ms_played), `additional_info` carries what
 * Vibescope knows (duration_ms, ms_played, the Spotify id, the ISRC) and names Vibescope as the
 * submission client, so importing it again (here, or into ListenBrainz, Koito or Maloja) gives back
 * the same plays and listening time.
 */
export function toListen(s: StreamRow & { isrc: string | null }, version: string): Record<string, unknown> {
  const info: Record<string, unknown> = { ms_played: s.ms_played, submission_client: 'Vibescope', submission_client_version: version };
  if (s.duration_ms) info.duration_ms = s.duration_ms;
  if (s.track_uri?.startsWith('spotify:track:')) {
    const id = s.track_uri.slice('spotify:track:'.length);
    info.spotify_id = `https://open.spotify.com/track/${id}`;
    info.origin_url = info.spotify_id;
    info.music_service = 'spotify.com';
  }
  if (s.isrc) info.isrc = s.isrc;
  const meta: Record<string, unknown> = { artist_name: s.artist_name ?? '', track_name: s.track_name };
  if (s.album_name) meta.release_name = s.album_name;
  meta.additional_info = info;
  return { listened_at: Math.floor((s.ended_at - s.ms_played) / 1000), track_metadata: meta };
}
