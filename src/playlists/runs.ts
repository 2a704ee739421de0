import { z } from 'zod';
import type { Store } from '../store/index.js';
import { KIND_CODE, KIND_NAME, MIGRATIONS, PLAYLISTS_MODULE, STATUS_CODE, STATUS_NAME } from './schema.js';
import type { PlaylistKind, RunState, RunSummary, RunTrack, SourceName } from './types.js';

/** The journal record type of a run's state (written at start, before publishing, at the end). */
export const RUN_RECORD = 'playlists.run';

const SOURCES = ['rediscoveries', 'deep_cuts', 'liked_not_played', 'spotify_search', 'lastfm', 'library_mood'] as const satisfies readonly SourceName[];
/** Sources in the order a run asks them (the run log lists them so). */
const SOURCE_ORDER = `CASE source ${SOURCES.map((name, i) => `WHEN '${name}' THEN ${i}`).join(' ')} ELSE 99 END`;
const text = z.string().max(2_000);
const nullableText = text.nullable();

const runTrackSchema = z.object({
  position: z.int().min(0), uri: nullableText, name: text, artist_name: nullableText, album_name: nullableText, image_url: nullableText,
  duration_ms: z.int().min(0).nullable(), isrc: nullableText, name_key: text, source: z.enum(SOURCES), score: z.number(), why: text,
  is_new: z.boolean(), energy: z.number().nullable(),
});

const runStateSchema = z.object({
  id: z.int().positive(),
  account: z.string().min(1).max(64),
  kind: z.enum(['vibe', 'mixtape']),
  trigger: z.enum(['schedule', 'api', 'cli', 'mqtt']),
  dry_run: z.boolean(),
  status: z.enum(['running', 'success', 'failed']),
  stage: z.string().max(32),
  started_at: z.int(),
  ended_at: z.int().nullable(),
  totals: z.object({ total: z.int().min(0), new: z.int().min(0), reused: z.int().min(0) }),
  duration_ms: z.int().min(0),
  name: nullableText, description: nullableText, spotify_playlist_id: nullableText, spotify_url: nullableText, m3u_path: nullableText,
  m3u_tracks: z.int().min(0),
  error: nullableText,
  sources: z.array(z.object({ source: z.enum(SOURCES), candidates: z.int().min(0), status: z.enum(['ok', 'failed', 'skipped']), error: nullableText })).max(20),
  exclusions: z.array(z.object({ uri: nullableText, name: text, artist_name: nullableText, score: z.number(), reason: text })).max(50),
  notes: z.array(text).max(50),
  tracks: z.array(runTrackSchema).max(200),
}) satisfies z.ZodType<RunState>;

/** `{v: 1, t: 'playlists.run', run: RunState}`: the whole state, so replaying the newest line restores it. */
export const runRecordSchema = z.object({ v: z.literal(1), t: z.literal(RUN_RECORD), run: runStateSchema });
export type RunRecord = z.infer<typeof runRecordSchema>;

/** Writes a run's state into the run log tables (inside the caller's transaction). Idempotent. */
export function applyRun(store: Store, run: RunState): void {
  const { sql } = store;
  const accountId = store.catalog.accountId(run.account);
  sql.exec(`INSERT OR REPLACE INTO playlist_runs (id, account_id, kind, trigger, dry_run, status, stage, started_at, ended_at, total, new, reused,
    duration_ms, name, description, spotify_playlist_id, spotify_url, m3u_path, m3u_tracks, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  [run.id, accountId, KIND_CODE[run.kind], run.trigger, run.dry_run ? 1 : 0, STATUS_CODE[run.status], run.stage, run.started_at, run.ended_at,
    run.totals.total, run.totals.new, run.totals.reused, run.duration_ms, run.name, run.description, run.spotify_playlist_id, run.spotify_url,
    run.m3u_path, run.m3u_tracks, run.error]);
  for (const table of ['playlist_run_tracks', 'playlist_run_sources', 'playlist_run_exclusions', 'playlist_run_notes']) {
    sql.exec(`DELETE FROM ${table} WHERE run_id = ?`, [run.id]);
  }
  for (const t of run.tracks) {
    sql.exec(`INSERT INTO playlist_run_tracks (run_id, position, uri, name, artist_name, album_name, image_url, duration_ms, isrc, name_key, source,
      score, why, is_new, energy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [run.id, t.position, t.uri, t.name, t.artist_name, t.album_name, t.image_url, t.duration_ms, t.isrc, t.name_key, t.source, t.score, t.why,
      t.is_new ? 1 : 0, t.energy]);
  }
  for (const s of run.sources) sql.exec('INSERT INTO playlist_run_sources VALUES (?, ?, ?, ?, ?)', [run.id, s.source, s.candidates, s.status, s.error]);
  run.exclusions.forEach((e, i) => sql.exec('INSERT INTO playlist_run_exclusions VALUES (?, ?, ?, ?, ?, ?, ?)', [run.id, i, e.uri, e.name, e.artist_name, e.score, e.reason]));
  run.notes.forEach((n, i) => sql.exec('INSERT INTO playlist_run_notes VALUES (?, ?, ?)', [run.id, i, n]));
}

/**
 * Migrates the playlists tables and registers the run record type. Call it from openCore's `register`
 * (before the journal is replayed) in every process that opens the data folder.
 */
export function registerPlaylistRecords(store: Store): void {
  store.migrateModule(PLAYLISTS_MODULE, MIGRATIONS);
  store.registerRecord<RunRecord>(RUN_RECORD, { schema: runRecordSchema, apply: (record) => applyRun(store, record.run) });
}

/** A published run: when it ended, its playlist, its tracks' identities. */
export interface PublishedRun { id: number; ended_at: number; spotify_playlist_id: string | null;
  tracks: { uri: string | null; name_key: string; artist_name: string | null; duration_ms: number | null }[] }

type RunRow = { id: number; account_id: number; kind: number; trigger: string; dry_run: number; status: number; stage: string; started_at: number;
  ended_at: number | null; total: number; new: number; reused: number; duration_ms: number; name: string | null; description: string | null;
  spotify_playlist_id: string | null; spotify_url: string | null; m3u_path: string | null; m3u_tracks: number; error: string | null };

/** Reads of the run log. */
export function createRunLog(store: Store) {
  const { sql } = store;

  function summaryOf(row: RunRow): Omit<RunSummary, 'feedback'> {
    return {
      id: row.id, account: store.catalog.accountName(row.account_id), kind: KIND_NAME[row.kind] ?? 'vibe', trigger: row.trigger as RunState['trigger'],
      dry_run: row.dry_run === 1, status: STATUS_NAME[row.status] ?? 'failed', stage: row.stage, started_at: row.started_at, ended_at: row.ended_at,
      totals: { total: row.total, new: row.new, reused: row.reused }, duration_ms: row.duration_ms, name: row.name, description: row.description,
      spotify_playlist_id: row.spotify_playlist_id, spotify_url: row.spotify_url, m3u_path: row.m3u_path, m3u_tracks: row.m3u_tracks, error: row.error,
      sources: sql.all<RunState['sources'][number]>(`SELECT source, candidates, status, error FROM playlist_run_sources WHERE run_id = ?
        ORDER BY ${SOURCE_ORDER}`, [row.id]),
    };
  }

  function tracksOf(runId: number): RunTrack[] {
    return sql.all<Record<string, unknown>>('SELECT * FROM playlist_run_tracks WHERE run_id = ? ORDER BY position', [runId])
      .map(({ run_id: _r, is_new, ...t }) => ({ ...t, is_new: is_new === 1 }) as RunTrack);
  }

  /** One run with its tracks, exclusions and notes; undefined when there is none. */
  function get(id: number): RunState | undefined {
    const row = sql.get<RunRow>('SELECT * FROM playlist_runs WHERE id = ?', [id]);
    if (!row) return undefined;
    return {
      ...summaryOf(row),
      exclusions: sql.all<RunState['exclusions'][number]>('SELECT uri, name, artist_name, score, reason FROM playlist_run_exclusions WHERE run_id = ? ORDER BY position', [id]),
      notes: sql.values('SELECT note FROM playlist_run_notes WHERE run_id = ? ORDER BY position', [id]).map((r) => String(r[0])),
      tracks: tracksOf(id),
    };
  }

  /** Runs newest first, optionally of one account and kind. An account with no runs gives []. */
  function list(filter: { account?: string | undefined; kind?: PlaylistKind | undefined; limit: number; before?: number | undefined }): Omit<RunSummary, 'feedback'>[] {
    const where: string[] = []; const params: (number | string)[] = [];
    if (filter.account !== undefined) { where.push('account_id = ?'); params.push(store.catalog.findAccountId(filter.account) ?? -1); }
    if (filter.kind !== undefined) { where.push('kind = ?'); params.push(KIND_CODE[filter.kind]); }
    if (filter.before !== undefined) { where.push('id < ?'); params.push(filter.before); }
    return sql.all<RunRow>(`SELECT * FROM playlist_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, filter.limit]).map(summaryOf);
  }

  /** The next free run id (call inside the store's exclusive section that also stores the run). */
  function nextId(): number {
    return (sql.get<{ id: number | null }>('SELECT max(id) AS id FROM playlist_runs')?.id ?? 0) + 1;
  }

  /** Runs still marked running (at start-up: runs a crash or a kill interrupted). */
  function running(): RunState[] {
    return sql.values(`SELECT id FROM playlist_runs WHERE status = ${STATUS_CODE.running} ORDER BY id`).map((r) => get(Number(r[0]))!).filter(Boolean);
  }

  /**
   * Successful, non-dry runs of an account and kind that ended at or after `since`, with their
   * tracks' identities (freshness, feedback, the playlist to update in place).
   */
  function published(account: string, kind: PlaylistKind, since: number): PublishedRun[] {
    const accountId = store.catalog.findAccountId(account);
    if (accountId === undefined) return [];
    const runs = sql.all<{ id: number; ended_at: number; spotify_playlist_id: string | null }>(`SELECT id, ended_at, spotify_playlist_id FROM playlist_runs
      WHERE account_id = ? AND kind = ? AND status = ${STATUS_CODE.success} AND dry_run = 0 AND ended_at >= ? ORDER BY ended_at DESC`,
    [accountId, KIND_CODE[kind], since]);
    return runs.map((r) => ({ ...r, tracks: sql.all<PublishedRun['tracks'][number]>('SELECT uri, name_key, artist_name, duration_ms FROM playlist_run_tracks WHERE run_id = ? ORDER BY position', [r.id]) }));
  }

  /**
   * The newest Spotify playlist a non-dry run of the account and kind wrote to or created (a failed run
   * may have created it before failing), with that run's status; null when there is none.
   */
  function lastPlaylist(account: string, kind: PlaylistKind): { playlist_id: string; url: string | null; status: RunState['status'] } | null {
    const accountId = store.catalog.findAccountId(account);
    if (accountId === undefined) return null;
    const row = sql.get<{ id: string; url: string | null; status: number }>(`SELECT spotify_playlist_id AS id, spotify_url AS url, status FROM playlist_runs
      WHERE account_id = ? AND kind = ? AND dry_run = 0 AND spotify_playlist_id IS NOT NULL ORDER BY id DESC LIMIT 1`, [accountId, KIND_CODE[kind]]);
    return row ? { playlist_id: row.id, url: row.url, status: STATUS_NAME[row.status] ?? 'failed' } : null;
  }

  return { get, list, nextId, running, published, lastPlaylist };
}

export type RunLog = ReturnType<typeof createRunLog>;
