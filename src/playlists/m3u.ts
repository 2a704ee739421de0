import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDir, type Store } from '../store/index.js';
import type { RunTrack } from './types.js';

/** A list entry matched to a local file. */
export interface LocalEntry { path: string; duration_s: number | null; artist: string | null; title: string }

/**
 * The local file of each track (store.library: files matched to catalog tracks): by the track's URI,
 * else by its normalized artist + title; a file that is gone or failed is not used; the newest analysed
 * file wins. Tracks without a file are left out (the M3U holds only what the local player can play).
 */
export function localFiles(store: Store, tracks: Pick<RunTrack, 'uri' | 'name_key' | 'name' | 'artist_name' | 'duration_ms'>[]): LocalEntry[] {
  const { sql } = store;
  const out: LocalEntry[] = [];
  for (const t of tracks) {
    const ids = new Set<number>();
    if (t.uri) for (const r of sql.values('SELECT id FROM tracks WHERE uri = ?', [t.uri])) ids.add(r[0] as number);
    for (const r of sql.values('SELECT id FROM tracks WHERE name_key = ? AND content = 0', [t.name_key])) ids.add(r[0] as number);
    let file: { path: string; duration_ms: number | null } | undefined;
    for (const id of ids) {
      file = sql.get<{ path: string; duration_ms: number | null }>(`SELECT path, duration_ms FROM library_files WHERE track_id = ? AND status IN (0, 1)
        ORDER BY status DESC, analysed_at DESC LIMIT 1`, [id]);
      if (file) break;
    }
    if (file) out.push({ path: file.path, duration_s: Math.round((file.duration_ms ?? t.duration_ms ?? -1000) / 1000), artist: t.artist_name, title: t.name });
  }
  return out;
}

/** One line of M3U text: no line breaks inside. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim();

/**
 * Extended M3U in UTF-8 (M3U8): `#EXTM3U`, `#PLAYLIST:` with the title, then per entry
 * `#EXTINF:<seconds>,<artist> - <title>` and the absolute path (add-ons see /media and /share at the
 * same paths, so Music Assistant, MPD and Jellyfin add-ons find the files). Unknown durations are -1.
 */
export function renderM3u(title: string, entries: LocalEntry[]): string {
  const lines = ['#EXTM3U', `#PLAYLIST:${oneLine(title)}`];
  for (const e of entries) {
    lines.push(`#EXTINF:${e.duration_s !== null && e.duration_s >= 0 ? e.duration_s : -1},${oneLine(e.artist ? `${e.artist} - ${e.title}` : e.title)}`, e.path);
  }
  return `${lines.join('\n')}\n`;
}

/** The M3U file name of an account's playlist of a kind (`vibescope-<account>-vibe.m3u8`); overwritten each run. */
export function m3uFileName(account: string, kind: string): string {
  return `vibescope-${account}-${kind}.m3u8`;
}

/**
 * Writes `text` to `dir/fileName` atomically (temp file, fsync, rename, fsync of the folder): a player
 * never reads half a playlist. Creates the folder.
 * @throws Error with a sentence for a person when the folder cannot be written (full, read-only…); the errno is in `cause`.
 */
export async function writeM3u(dir: string, fileName: string, text: string): Promise<string> {
  const file = path.join(dir, fileName);
  const tmp = `${file}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(tmp, 'w', 0o644);
    try { await fh.writeFile(text, 'utf8'); await fh.sync(); } finally { await fh.close(); }
    await rename(tmp, file);
    await syncDir(dir);
    return file;
  } catch (err) {
    await unlink(tmp).catch(() => undefined); // nothing to remove when the open itself failed
    const errno = (err as NodeJS.ErrnoException).code;
    const why = errno === 'ENOSPC' || errno === 'EDQUOT' ? 'the disk is full'
      : errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM' ? 'Vibescope may not write there (read-only or no permission)'
        : errno === 'ENOTDIR' || errno === 'EEXIST' ? 'a file is in the way of the folder' : 'the disk refused the write';
    throw new Error(`The M3U playlist could not be written to the folder of the vibe_m3u_dir option: ${why}.`, { cause: err });
  }
}
