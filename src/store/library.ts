import type { Sql } from './sql.js';
import { trackNameKey } from './names.js';

/** library_files.status codes. */
export const FILE_STATUS = { pending: 0, analysed: 1, failed: 2, gone: 3 } as const;
export type FileStatus = keyof typeof FILE_STATUS;
const STATUS_NAME = Object.fromEntries(Object.entries(FILE_STATUS).map(([k, v]) => [v, k])) as Record<number, FileStatus>;

/** Descriptor columns stored per file (see audio/descriptors.ts for units). */
export const FEATURE_COLUMNS = ['duration_s', 'loudness_lufs', 'rms_dbfs', 'tempo_bpm', 'tempo_confidence', 'key', 'mode', 'key_confidence',
  'spectral_centroid_hz', 'spectral_rolloff_hz', 'spectral_flatness', 'zcr', 'onset_rate', 'dynamic_range_db', 'energy', 'danceability',
  'brightness', 'acousticness', 'valence'] as const;

/** Tolerance when matching a file to a Spotify track by name: durations within ±3 s. */
export const MATCH_DURATION_MS = 3_000;

/**
 * The music library: files seen on disk (incremental by path + size + mtime), their tags, the
 * Spotify track each matches, and their audio features. Derived data: after a crash it is recomputed.
 */
export function createLibrary(sql: Sql, now: () => number) {
  /** Notes a file seen on disk; returns true when it is new or changed (needs analysis). */
  function seen(path: string, size: number, mtimeMs: number): boolean {
    const row = sql.get<{ size: number; mtime_ms: number; status: number }>('SELECT size, mtime_ms, status FROM library_files WHERE path = ?', [path]);
    if (row && row.size === size && row.mtime_ms === mtimeMs && row.status !== FILE_STATUS.gone) {
      sql.exec('UPDATE library_files SET scanned_at = ? WHERE path = ?', [now(), path]);
      return false;
    }
    sql.exec(`INSERT INTO library_files (path, size, mtime_ms, status, scanned_at) VALUES (?, ?, ?, 0, ?)
      ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, status = 0, failure = NULL, scanned_at = excluded.scanned_at`,
    [path, size, mtimeMs, now()]);
    return true;
  }

  /** Marks files under `roots` that are not in `present` (this scan's paths) as gone; returns how many. */
  function markGone(roots: string[], present: ReadonlySet<string>): number {
    let n = 0;
    for (const root of roots) {
      const prefix = root.endsWith('/') ? root : `${root}/`;
      const known = sql.all<{ id: number; path: string }>('SELECT id, path FROM library_files WHERE status != 3 AND substr(path, 1, ?) = ?', [prefix.length, prefix]);
      for (const f of known) if (!present.has(f.path)) n += sql.exec('UPDATE library_files SET status = 3 WHERE id = ?', [f.id]);
    }
    return n;
  }

  function pending(limit: number): { id: number; path: string }[] {
    return sql.all('SELECT id, path FROM library_files WHERE status = 0 ORDER BY id LIMIT ?', [limit]);
  }

  /**
   * The Spotify track a file is: same ISRC when both carry one; else normalized artist + title with a
   * duration within ±3 s (a track without a known duration, as from exports, matches on the name).
   */
  function match(tags: { artist: string | null; title: string | null; isrc: string | null }, durationMs: number | null): number | null {
    if (tags.isrc) {
      const byIsrc = sql.get<{ id: number }>('SELECT id FROM tracks WHERE isrc = ? LIMIT 1', [tags.isrc.toUpperCase()]);
      if (byIsrc) return byIsrc.id;
    }
    if (!tags.artist || !tags.title) return null;
    const candidates = sql.all<{ id: number; duration_ms: number | null }>('SELECT id, duration_ms FROM tracks WHERE name_key = ? AND content = 0',
      [trackNameKey(tags.artist, tags.title)]);
    const fit = candidates.filter((c) => c.duration_ms === null || durationMs === null || Math.abs(c.duration_ms - durationMs) <= MATCH_DURATION_MS);
    fit.sort((a, b) => (a.duration_ms === null ? 1 : 0) - (b.duration_ms === null ? 1 : 0));
    return fit[0]?.id ?? null;
  }

  /** Matches analysed files that had no Spotify track yet (their track may have arrived since); returns how many matched now. */
  function rematch(): number {
    let n = 0;
    for (const f of sql.all<{ id: number; artist: string | null; title: string | null; isrc: string | null; duration_ms: number | null }>(
      'SELECT id, artist, title, isrc, duration_ms FROM library_files WHERE status = 1 AND track_id IS NULL')) {
      const trackId = match({ artist: f.artist, title: f.title, isrc: f.isrc }, f.duration_ms);
      if (trackId !== null) n += sql.exec('UPDATE library_files SET track_id = ? WHERE id = ?', [trackId, f.id]);
    }
    return n;
  }

  function saveTags(id: number, tags: { artist: string | null; title: string | null; album: string | null; isrc: string | null }, durationMs: number | null, trackId: number | null): void {
    sql.exec('UPDATE library_files SET artist = ?, title = ?, album = ?, isrc = ?, duration_ms = ?, track_id = ? WHERE id = ?',
      [tags.artist, tags.title, tags.album, tags.isrc, durationMs, trackId, id]);
  }

  function saveFeatures(id: number, f: Record<string, unknown> & { mfcc_mean: number[] | null; mfcc_std: number[] | null }): void {
    const mfcc = f.mfcc_mean && f.mfcc_std ? new Uint8Array(new Float32Array([...f.mfcc_mean, ...f.mfcc_std]).buffer) : null;
    sql.exec(`INSERT OR REPLACE INTO audio_features (file_id, ${FEATURE_COLUMNS.join(', ')}, mfcc) VALUES (?, ${FEATURE_COLUMNS.map(() => '?').join(', ')}, ?)`,
      [id, ...FEATURE_COLUMNS.map((c) => (f[c] ?? null) as number | string | null), mfcc]);
    sql.exec('UPDATE library_files SET status = 1, failure = NULL, analysed_at = ? WHERE id = ?', [now(), id]);
  }

  function saveFailure(id: number, reason: string): void {
    sql.exec('UPDATE library_files SET status = 2, failure = ?, analysed_at = ? WHERE id = ?', [reason, now(), id]);
  }

  /** Counts by status, matches, and the failures with their reasons. */
  function status(maxFailures = 100) {
    const counts = Object.fromEntries(Object.keys(FILE_STATUS).map((k) => [k, 0])) as Record<FileStatus, number>;
    for (const r of sql.all<{ status: number; n: number }>('SELECT status, count(*) AS n FROM library_files GROUP BY status')) counts[STATUS_NAME[r.status]!] = r.n;
    const matched = sql.get<{ n: number }>('SELECT count(*) AS n FROM library_files WHERE track_id IS NOT NULL AND status != 3')!.n;
    const failures = sql.all<{ path: string; failure: string }>('SELECT path, failure FROM library_files WHERE status = 2 ORDER BY path LIMIT ?', [maxFailures]);
    return { files: counts.pending + counts.analysed + counts.failed, ...counts, matched, failures: failures.map((f) => ({ path: f.path, reason: f.failure })) };
  }

  /** The features of a Spotify track (the newest analysed file matched to it), or null. */
  function featuresOfTrack(trackId: number): Record<string, unknown> | null {
    const row = sql.get(`SELECT f.*, lf.path AS path FROM library_files lf JOIN audio_features f ON f.file_id = lf.id
      WHERE lf.track_id = ? AND lf.status = 1 ORDER BY lf.analysed_at DESC LIMIT 1`, [trackId]);
    if (!row) return null;
    // The file's name, not its path on the server (what a page or an HA attribute shows).
    const { mfcc: _mfcc, file_id: _id, path: filePath, ...rest } = row as Record<string, unknown>;
    return { ...rest, file_name: String(filePath).split('/').at(-1) ?? null };
  }

  /** Same, by Spotify URI. */
  function featuresOfUri(uri: string): Record<string, unknown> | null {
    const t = sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [uri]);
    return t ? featuresOfTrack(t.id) : null;
  }

  return { seen, markGone, pending, match, rematch, saveTags, saveFeatures, saveFailure, status, featuresOfTrack, featuresOfUri };
}

export type Library = ReturnType<typeof createLibrary>;
