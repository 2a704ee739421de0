import type { ScrobbleSource } from '../../types.js';
import { listenToRecord, mbidOf, nameProblem, positive, spotifyTrackUri, type Listen, type RowResult } from './listen.js';

/**
 * Clients whose listens carry Spotify's own end time: ListenBrainz's Spotify reader ("listenbrainz",
 * listenbrainz/listens_importer/spotify.py: listened_at = played_at) and its archive importer, which
 * copies the export's `ts` and keeps `ms_played` (listenbrainz/background/listens_importer/spotify.py).
 */
const END_STAMPED_CLIENTS = new Set(['listenbrainz', 'ListenBrainz Archive Importer']);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Obj : null);

/**
 * A ListenBrainz listen (https://listenbrainz.readthedocs.io/en/latest/users/json.html) in an
 * export line, an older JSON export, a submit payload or a live answer → a record. Rows that
 * ListenBrainz itself refuses are rejected with its reason: no track_metadata or a null one, a
 * listened_at that is missing, null, not a number, before 2002-10-01, in ms/ns or in the future, an
 * empty artist or track name. Identity: the Spotify URI (additional_info.spotify_id / origin_url)
 * when present, else normalized artist + title; the recording MBID (additional_info.recording_mbid,
 * else ListenBrainz's mbid_mapping) names the record.
 */
export function fromListenBrainzListen(raw: unknown, account: string, source: ScrobbleSource = 'import-listenbrainz', nowMs = Date.now()): RowResult {
  const listen = obj(raw);
  if (!listen) return { ok: false, reason: 'not a JSON object' };
  if (!('track_metadata' in listen)) return { ok: false, reason: 'track_metadata: missing (ListenBrainz requires it)' };
  const meta = obj(listen.track_metadata);
  if (!meta) return { ok: false, reason: 'track_metadata: null or not an object' };
  if (!('listened_at' in listen)) return { ok: false, reason: 'listened_at: missing' };
  const names = nameProblem('track_metadata.artist_name', meta.artist_name) ?? nameProblem('track_metadata.track_name', meta.track_name);
  if (names) return { ok: false, reason: names };
  const info = obj(meta.additional_info) ?? {};
  const mapping = obj(meta.mbid_mapping) ?? {};
  const durationMs = positive(info.duration_ms) ?? (positive(info.duration) === null ? null : positive(info.duration)! * 1000);
  const artistNames = Array.isArray(info.artist_names) && info.artist_names.every((a) => typeof a === 'string' && a.trim() !== '')
    ? info.artist_names as string[] : [];
  const client = typeof info.submission_client === 'string' ? info.submission_client : null;
  const l: Listen = {
    listened_at_s: listen.listened_at as number,
    artists: artistNames.length > 0 ? artistNames : [meta.artist_name as string],
    title: meta.track_name as string,
    album: typeof meta.release_name === 'string' ? meta.release_name : null,
    duration_ms: durationMs,
    played_ms: positive(info.ms_played),
    spotify_uri: spotifyTrackUri(info.spotify_id) ?? spotifyTrackUri(info.origin_url),
    isrc: typeof info.isrc === 'string' && /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/i.test(info.isrc.trim()) ? info.isrc : null,
    recording_mbid: mbidOf(info.recording_mbid) ?? mbidOf(mapping.recording_mbid),
    end_stamped: info.music_service === 'spotify.com' && client !== null && END_STAMPED_CLIENTS.has(client),
    client: typeof info.media_player === 'string' ? info.media_player : client,
  };
  return listenToRecord(l, source, account, nowMs);
}
