import type { Sql } from '../store/index.js';
import { STATE, STATE_NAME, STEP, METHOD, type ResolutionState } from './schema.js';
import { backoffMs } from './http.js';

/** A not_found track is looked up again after this long (MusicBrainz keeps growing). */
export const NOT_FOUND_RECHECK_MS = 90 * 86_400_000;
/** A failed track's wait: 5 min, doubling per attempt, at most a day. */
export const FAILED_BASE_MS = 5 * 60_000;
export const FAILED_CAP_MS = 86_400_000;

/** A track waiting to be resolved, with what the lookups send (artist, title and album names; ISRC). */
export interface QueuedTrack {
  track_id: number; title: string; artist: string; album: string | null; duration_ms: number | null; isrc: string | null; attempts: number;
  /** The store's normalised artist + title (tracks.name_key). */
  name_key: string;
}

/**
 * The resolution queue: one mb_queue row per music track (PRODUCT.md "recording"), its state
 * (pending → resolved | not_found + reason | failed + retry_at), the next step (ISRC, then names) and
 * the priority (tracks played live go first). Functions run inside the caller's write transaction.
 */
export function createQueue(sql: Sql, now: () => number) {
  const TRACK_SELECT = `SELECT q.track_id AS track_id, t.name AS title, coalesce(ar.name, '') AS artist, al.name AS album,
    t.duration_ms AS duration_ms, t.isrc AS isrc, q.attempts AS attempts, t.name_key AS name_key FROM mb_queue q JOIN tracks t ON t.id = q.track_id
    LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id`;

  /**
   * Queues every music track that has no row yet, and brings back not_found tracks whose re-check is
   * due. Returns how many tracks were queued.
   */
  function sweep(): number {
    const t = now();
    const added = sql.exec(`INSERT INTO mb_queue (track_id, state, step, updated_at)
      SELECT id, 0, CASE WHEN isrc IS NULL THEN ${STEP.name} ELSE ${STEP.isrc} END, ? FROM tracks
      WHERE content = 0 AND id NOT IN (SELECT track_id FROM mb_queue)`, [t]);
    sql.exec(`UPDATE mb_queue SET state = 0, step = 0, attempts = 0, retry_at = NULL, updated_at = ? WHERE state = ${STATE.not_found} AND retry_at <= ?`, [t, t]);
    return added;
  }

  /**
   * Queues one track first in line (a live play). A track that gained an ISRC since it was tried,
   * and is not resolved, is tried again by its ISRC. Returns true when the track now waits.
   */
  function enqueue(trackId: number): boolean {
    const row = sql.get<{ content: number; isrc: string | null; state: number | null; tried: string | null }>(
      'SELECT t.content AS content, t.isrc AS isrc, q.state AS state, q.isrc AS tried FROM tracks t LEFT JOIN mb_queue q ON q.track_id = t.id WHERE t.id = ?', [trackId]);
    if (!row || row.content !== 0) return false;
    if (row.state === null) {
      sql.exec('INSERT INTO mb_queue (track_id, state, step, priority, updated_at) VALUES (?, 0, ?, 1, ?)', [trackId, row.isrc ? STEP.isrc : STEP.name, now()]);
      return true;
    }
    if (row.state !== STATE.resolved && row.isrc && row.isrc !== row.tried) {
      sql.exec('UPDATE mb_queue SET state = 0, step = 0, priority = 1, attempts = 0, retry_at = NULL, updated_at = ? WHERE track_id = ?', [now(), trackId]);
      return true;
    }
    return row.state === STATE.pending || row.state === STATE.failed;
  }

  /** Tracks due at `step` (pending, or failed and past retry_at), live plays first. */
  function due(step: number, limit: number): QueuedTrack[] {
    return sql.all<QueuedTrack>(`${TRACK_SELECT} WHERE q.state IN (0, 3) AND q.step = ? AND (q.retry_at IS NULL OR q.retry_at <= ?)
      ORDER BY q.priority DESC, q.track_id LIMIT ?`, [step, now(), limit]);
  }

  /**
   * The outcome of another track with the very same artist and title (case aside) that was decided
   * by its names (another Spotify URI of the same song): a name lookup would send the same names again.
   */
  function decidedByName(t: QueuedTrack): { state: number; recording_mbid: string | null; method: number | null; reason: string | null } | undefined {
    return sql.get(`SELECT q.state AS state, r.mbid AS recording_mbid, q.method AS method, q.reason AS reason FROM tracks t JOIN mb_queue q ON q.track_id = t.id
      JOIN artists ar ON ar.id = t.artist_id LEFT JOIN mb_recordings r ON r.id = q.recording_id
      WHERE t.name_key = ? AND t.id != ? AND t.content = 0 AND lower(t.name) = lower(?) AND lower(ar.name) = lower(?) AND q.step = ${STEP.name}
      AND (q.state = ${STATE.not_found} OR (q.state = ${STATE.resolved} AND q.method != ${METHOD.isrc})) LIMIT 1`, [t.name_key, t.track_id, t.title, t.artist]);
  }

  /** The id of a recording by MBID, created on first sight (metadata due). */
  function recordingId(mbid: string): number {
    const key = mbid.toLowerCase();
    return sql.get<{ id: number }>('SELECT id FROM mb_recordings WHERE mbid = ?', [key])?.id
      ?? sql.get<{ id: number }>('INSERT INTO mb_recordings (mbid) VALUES (?) RETURNING id', [key])!.id;
  }

  /** Marks a track resolved to a recording; returns the recording's id. Re-resolving replaces, never duplicates. */
  function resolve(trackId: number, mbid: string, method: keyof typeof METHOD, isrc: string | null = null): number {
    const id = recordingId(mbid);
    sql.exec(`UPDATE mb_queue SET state = ${STATE.resolved}, method = ?, recording_id = ?, reason = NULL, retry_at = NULL,
      isrc = coalesce(?, isrc), updated_at = ? WHERE track_id = ?`, [METHOD[method], id, isrc, now(), trackId]);
    return id;
  }

  /** The ISRC step found nothing usable: the track goes on to the name step. */
  function toNameStep(trackId: number, isrc: string | null): void {
    sql.exec('UPDATE mb_queue SET state = 0, step = ?, isrc = ?, retry_at = NULL, updated_at = ? WHERE track_id = ?', [STEP.name, isrc, now(), trackId]);
  }

  /** No recording is this track: recorded with its reason (re-checked after {@link NOT_FOUND_RECHECK_MS}). */
  function notFound(trackId: number, reason: string): void {
    sql.exec(`UPDATE mb_queue SET state = ${STATE.not_found}, recording_id = NULL, method = NULL, reason = ?, retry_at = ?, updated_at = ? WHERE track_id = ?`,
      [reason, now() + NOT_FOUND_RECHECK_MS, now(), trackId]);
  }

  /** The lookup failed (service error after retries): tried again after a growing wait. */
  function failed(trackIds: number[], reason: string): void {
    for (const id of trackIds) {
      const attempts = (sql.get<{ a: number }>('SELECT attempts AS a FROM mb_queue WHERE track_id = ?', [id])?.a ?? 0) + 1;
      sql.exec(`UPDATE mb_queue SET state = ${STATE.failed}, attempts = ?, reason = ?, retry_at = ?, updated_at = ? WHERE track_id = ?`,
        [attempts, reason, now() + backoffMs(attempts - 1, FAILED_BASE_MS, FAILED_CAP_MS), now(), id]);
    }
  }

  /** Tracks per state, plus the music tracks not queued yet (pending by definition). */
  function counts(): Record<ResolutionState, number> {
    const out: Record<ResolutionState, number> = { pending: 0, resolved: 0, not_found: 0, failed: 0 };
    for (const r of sql.all<{ state: number; n: number }>('SELECT state, count(*) AS n FROM mb_queue GROUP BY state')) out[STATE_NAME[r.state]!] += r.n;
    out.pending += unqueued();
    return out;
  }

  /** Music tracks without a queue row yet (stored since the last sweep). */
  function unqueued(): number {
    return sql.get<{ n: number }>('SELECT count(*) AS n FROM tracks WHERE content = 0 AND id NOT IN (SELECT track_id FROM mb_queue)')!.n;
  }

  /** The commonest not-found reasons. */
  function reasons(limit = 10): { reason: string; tracks: number }[] {
    return sql.all<{ reason: string; tracks: number }>(`SELECT reason, count(*) AS tracks FROM mb_queue WHERE state = ${STATE.not_found}
      GROUP BY reason ORDER BY tracks DESC, reason LIMIT ?`, [limit]);
  }

  /** Tracks waiting at each step (due now or later). */
  function waiting(): { isrc: number; name: number; due_now: number } {
    const r = sql.get<{ isrc: number | null; name: number | null; due: number | null }>(`SELECT sum(step = 0) AS isrc, sum(step = 1) AS name,
      sum(retry_at IS NULL OR retry_at <= ?) AS due FROM mb_queue WHERE state IN (0, 3)`, [now()])!;
    return { isrc: r.isrc ?? 0, name: r.name ?? 0, due_now: r.due ?? 0 };
  }

  return { sweep, enqueue, due, decidedByName, recordingId, resolve, toNameStep, notFound, failed, counts, unqueued, reasons, waiting };
}

export type Queue = ReturnType<typeof createQueue>;
