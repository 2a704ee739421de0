import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import type { Store } from '../store/index.js';
import type { StreamKind, StreamRow } from '../types.js';
import { CSV_HEADER, csvLine, EXPORT_VERSION, toExportRow, toListen } from './rows.js';

/** Which streams an export holds. */
export interface ExportQuery {
  /** [from, to] on ended_at, ms since the epoch, inclusive. */
  from: number;
  to: number;
  /** One account, or every account when absent. */
  account?: string | undefined;
  /** Only plays, skips or other streams (default all; the ListenBrainz format always holds plays only). */
  kind?: StreamKind | 'all';
}

/** The export formats: CSV and JSON in Vibescope's schema (rows.ts), JSON lines in ListenBrainz's import format. */
export type ExportFormat = 'csv' | 'json' | 'jsonl';

/** Rows read per query: memory holds one page, whatever the history's size. */
const PAGE_ROWS = 1000;

const SELECT = `SELECT s.*, t.uri AS track_uri, t.name AS track_name, t.duration_ms AS duration_ms, t.isrc AS isrc,
  ar.name AS artist_name, al.name AS album_name, al.image_url AS image_url
  FROM streams s JOIN tracks t ON t.id = s.track_id LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id`;

/**
 * The streams of `query` in ended_at order, a page at a time (keyset pagination on the ended_at
 * index): bounded memory for any history.
 */
export async function* pageStreams(store: Store, query: ExportQuery): AsyncGenerator<(StreamRow & { isrc: string | null })[]> {
  const where: string[] = [];
  const params: number[] = [];
  if (query.account !== undefined) { where.push('s.account_id = ?'); params.push(store.catalog.findAccountId(query.account) ?? -1); }
  if (query.kind && query.kind !== 'all') { where.push('s.kind = ?'); params.push(query.kind === 'play' ? 1 : query.kind === 'skip' ? 2 : 0); }
  let after: [number, number] = [Number.MIN_SAFE_INTEGER, 0];
  for (;;) {
    // One lower bound, the page's start, so SQLite seeks the ended_at index there (two bounds or an OR make it scan
    // from the range's start on every page); the index's rowid order gives (ended_at, id) without a sort.
    const rows = store.sql.all(`${SELECT} WHERE s.ended_at BETWEEN ? AND ? AND NOT (s.ended_at = ? AND s.id <= ?)${where.map((w) => ` AND ${w}`).join('')}
      ORDER BY s.ended_at, s.id LIMIT ${PAGE_ROWS}`, [Math.max(query.from, after[0]), query.to, after[0], after[1], ...params]);
    if (rows.length === 0) return;
    yield rows.map((r) => ({ ...store.streams.toStreamRow(r), isrc: (r.isrc as string | null) ?? null }));
    const last = rows.at(-1)!;
    after = [last.ended_at as number, last.id as number];
    if (rows.length < PAGE_ROWS) return;
  }
}

/** Writes text, waiting when the destination asks (backpressure); false once it is closed (a client went away). */
async function put(out: Writable, text: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (!out.write(text)) {
    await new Promise<void>((resolve) => {
      const done = () => { out.off('drain', done); out.off('close', done); out.off('error', done); resolve(); };
      out.once('drain', done); out.once('close', done); out.once('error', done);
    });
  }
  return !out.destroyed;
}

/** What an export wrote. */
export interface ExportResult { streams: number; bytes: number; complete: boolean }

/**
 * Streams an export of `query` in `format` into `out` (an HTTP response, a file): a page of rows at a
 * time, honouring backpressure, yielding to the event loop between pages. Does not end `out`.
 * - `csv`: RFC 4180, header first, one stream per line (rows.ts EXPORT_FIELDS);
 * - `json`: `{"vibescope_export": {version, exported_at, from, to, account, kind}, "streams": [...]}`, one stream per line;
 * - `jsonl`: ListenBrainz's import format, plays only (those with an artist), one listen per line.
 * @returns how many streams were written, and whether it ran to the end (false: `out` closed early).
 */
export async function writeStreams(store: Store, format: ExportFormat, query: ExportQuery, out: Writable,
  { version = '0', now = Date.now }: { version?: string; now?: () => number } = {}): Promise<ExportResult> {
  const result: ExportResult = { streams: 0, bytes: 0, complete: false };
  const write = async (text: string) => { result.bytes += Buffer.byteLength(text); return put(out, text); };
  const q: ExportQuery = format === 'jsonl' ? { ...query, kind: 'play' } : query;
  if (format === 'csv' && !(await write(CSV_HEADER))) return result;
  if (format === 'json') {
    const head = { version: EXPORT_VERSION, exported_at: now(), from: q.from, to: q.to, account: q.account ?? null, kind: q.kind ?? 'all' };
    if (!(await write(`{"vibescope_export":${JSON.stringify(head)},"streams":[`))) return result;
  }
  for await (const page of pageStreams(store, q)) {
    let text = '';
    for (const s of page) {
      if (format === 'csv') text += csvLine(toExportRow(s));
      else if (format === 'json') text += `${result.streams === 0 ? '\n' : ',\n'}${JSON.stringify(toExportRow(s))}`;
      else if (s.artist_name && s.content === 'track') text += `${JSON.stringify(toListen(s, version))}\n`;
      else continue;
      result.streams++;
    }
    if (!(await write(text))) return result;
    await yieldToLoop();
  }
  if (format === 'json' && !(await write('\n]}\n'))) return result;
  result.complete = true;
  return result;
}
