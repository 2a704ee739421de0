import type { Store } from '../store/index.js';
import { pageStreams, type ExportQuery } from './streams.js';

/** A track to put in a playlist. */
export interface PlaylistTrack { track_id: number; track_name: string; artist_name: string | null; duration_ms: number | null }

/** What an M3U8 playlist holds, and which tracks had no local file (left out). */
export interface M3uResult { text: string; entries: number; missing: number }

/**
 * The local file of each track (the library's match, src/audio: a file that is still there; the
 * newest analysed first), by track id.
 */
function filesOf(store: Store, trackIds: number[]): Map<number, { path: string; duration_ms: number | null }> {
  const out = new Map<number, { path: string; duration_ms: number | null }>();
  for (let i = 0; i < trackIds.length; i += 500) {
    const chunk = trackIds.slice(i, i + 500);
    const rows = store.sql.all<{ track_id: number; path: string; duration_ms: number | null }>(
      `SELECT track_id, path, duration_ms FROM library_files WHERE track_id IN (${chunk.map(() => '?').join(',')}) AND status != 3
       ORDER BY status = 1 DESC, analysed_at DESC`, chunk);
    for (const r of rows) if (!out.has(r.track_id)) out.set(r.track_id, { path: r.path, duration_ms: r.duration_ms });
  }
  return out;
}

/** `#EXTINF` text: no line breaks, no leading comma confusion. */
const clean = (text: string) => text.replace(/[\r\n]+/g, ' ').trim();

/**
 * An extended M3U playlist in UTF-8 (M3U8; RFC 8216 §4.3.2.1 for `#EXTINF:<seconds>,<title>`) of the
 * tracks that have a matched local file, in the order given; the others are counted in `missing`.
 */
export function m3u8(store: Store, tracks: PlaylistTrack[], title: string): M3uResult {
  const files = filesOf(store, [...new Set(tracks.map((t) => t.track_id))]);
  const lines = ['#EXTM3U', `#PLAYLIST:${clean(title)}`];
  let entries = 0;
  let missing = 0;
  for (const t of tracks) {
    const file = files.get(t.track_id);
    if (!file) { missing++; continue; }
    const seconds = Math.round((file.duration_ms ?? t.duration_ms ?? -1000) / 1000);
    lines.push(`#EXTINF:${seconds},${clean(t.artist_name ? `${t.artist_name} - ${t.track_name}` : t.track_name)}`, file.path);
    entries++;
  }
  return { text: `${lines.join('\n')}\n`, entries, missing };
}

/** The plays of a range in the order they were played (each track once, at its first play), as playlist tracks. */
export async function playsOf(store: Store, query: ExportQuery, limit: number): Promise<PlaylistTrack[]> {
  const seen = new Set<number>();
  const out: PlaylistTrack[] = [];
  for await (const page of pageStreams(store, { ...query, kind: 'play' })) {
    for (const s of page) {
      if (seen.has(s.track_id) || s.content !== 'track') continue;
      seen.add(s.track_id);
      out.push({ track_id: s.track_id, track_name: s.track_name, artist_name: s.artist_name, duration_ms: s.duration_ms });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
