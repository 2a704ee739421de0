import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { chain } from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import type { StagedFile } from '../stage.js';
import { CSV_COMMENT_RE, type FileFormat } from './sniff.js';
import { csvHeader, HEADERLESS_COLUMNS, type CsvColumns } from './scrobblers.js';
import { isVibescopeCsvHeader } from './vibescope.js';

/** One row of a history file: its 0-based index (array index, or line for line-based files) and the value. */
export interface RawRow { key: number; value: unknown }

/** A line that is not a row (broken JSON): rejected with `reason`, the rest of the file is kept. */
export class BadRow {
  constructor(readonly reason: string) {}
}

/** A file that is not what its first bytes promised, in words a person understands. */
export class ParseError extends Error {}

/** One line of a `.scrobbler.log`: its tab-separated fields and what the header said. */
export interface ScrobblerLogLine { fields: string[]; tz: string | null; client: string | null }

/** The bytes of a staged file as a stream (from memory when kept there). */
function open(file: StagedFile): Readable {
  return file.buffer ? Readable.from([file.buffer]) : createReadStream(file.path, { highWaterMark: 1 << 18 });
}

/** The lines of a staged file with their 0-based index (CR LF or LF). */
async function* linesOf(file: StagedFile): AsyncGenerator<{ index: number; line: string }> {
  if (file.buffer) {
    const lines = file.buffer.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
    for (let index = 0; index < lines.length; index++) yield { index, line: lines[index]! };
    return;
  }
  const source = open(file);
  const rl = createInterface({ input: source, crlfDelay: Infinity });
  let index = 0;
  try {
    for await (const line of rl) {
      yield { index, line: index === 0 ? line.replace(/^\uFEFF/, '') : line };
      index++;
    }
  } finally {
    rl.close();
    source.destroy();
  }
}

/** JSON lines: every non-empty line parsed on its own; a broken line is a {@link BadRow}. */
async function* jsonLines(file: StagedFile): AsyncGenerator<RawRow> {
  for await (const { index, line } of linesOf(file)) {
    if (line.trim() === '') continue;
    let value: unknown;
    try { value = JSON.parse(line); } catch (err) { value = new BadRow(`not valid JSON: ${(err as Error).message}`); }
    yield { key: index, value };
  }
}

/**
 * An Audioscrobbler 1.1 `.scrobbler.log`: `#` header lines (`#TZ/UTC` or `#TZ/UNKNOWN`, `#CLIENT/…`),
 * then one tab-separated listen per line (ARTIST ALBUM TITLE TRACKNUM LENGTH RATING TIMESTAMP
 * MUSICBRAINZ_TRACKID). Format: https://web.archive.org/web/2012/http://www.audioscrobbler.net/wiki/Portable_Player_Logging
 */
async function* scrobblerLog(file: StagedFile): AsyncGenerator<RawRow> {
  let tz: string | null = null;
  let client: string | null = null;
  for await (const { index, line } of linesOf(file)) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#TZ/')) tz = line.slice(4).trim();
      else if (line.startsWith('#CLIENT/')) client = line.slice(8).replace('$Revision$', '').trim() || null;
      continue;
    }
    yield { key: index, value: { fields: line.split('\t'), tz, client } satisfies ScrobblerLogLine };
  }
}

/**
 * One data row of a CSV with where its fields are (from the header, or the headerless order); for a
 * Vibescope CSV export, `named` maps every column name to its field.
 */
export interface CsvLine { record: string[]; columns: CsvColumns; headerless: boolean; named?: Record<string, string> }

/**
 * The data rows of a Libre.fm / Last.fm CSV with the 0-based line each starts on. `#` lines are
 * comments (only at a line's start: titles may hold a `#`), and so are Libre.fm's `+ACM-` lines (`#`
 * in UTF-7). The first other line is the header when it names artist, track and time columns;
 * otherwise the file has none and its rows are in Last.fm's order (scrobblers.ts HEADERLESS_COLUMNS).
 */
async function* csvRecords(file: StagedFile): AsyncGenerator<RawRow> {
  // Loaded with the first CSV, not at start-up.
  const { parse: parseCsv } = await import('csv-parse');
  const source = open(file);
  const records = source.pipe(parseCsv({ bom: true, comment: '#', comment_no_infix: true, relax_column_count: true, relax_quotes: true,
    skip_empty_lines: true, info: true }));
  let columns: CsvColumns | null = null;
  let headerless = false;
  let names: string[] | null = null;
  try {
    for await (const { record, info } of records as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (CSV_COMMENT_RE.test(record[0] ?? '')) continue;
      if (columns === null) {
        if (isVibescopeCsvHeader(record)) { names = record.map((n) => n.trim()); columns = {}; continue; }
        columns = csvHeader(record);
        if (columns) continue;
        columns = HEADERLESS_COLUMNS;
        headerless = true;
      }
      const named = names ? Object.fromEntries(names.map((n, i) => [n, record[i] ?? ''])) : undefined;
      yield { key: info.lines - 1, value: { record, columns, headerless, ...(named ? { named } : {}) } satisfies CsvLine };
    }
  } catch (err) {
    throw new ParseError(`not a readable CSV file: ${(err as Error).message}`, { cause: err });
  } finally {
    source.destroy();
  }
}

/** The array at `path` inside one JSON document (Maloja's `scrobbles`, a ListenBrainz `payload`). */
async function* jsonDocumentArray(file: StagedFile, paths: string[]): AsyncGenerator<RawRow> {
  if (file.buffer) {
    let data: unknown;
    try { data = JSON.parse(file.buffer.toString('utf8').replace(/^\uFEFF/, '')); } catch (err) {
      throw new ParseError(`not valid JSON (truncated or damaged): ${(err as Error).message}`, { cause: err });
    }
    for (const p of paths) {
      const rows = p.split('.').reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), data);
      if (Array.isArray(rows)) {
        for (let key = 0; key < rows.length; key++) yield { key, value: rows[key] };
        return;
      }
    }
    throw new ParseError(`expected an array at "${paths.join('" or "')}" in the JSON document`);
  }
  // Large documents: stream the array without holding the document (stream-json's pick filter).
  const source = open(file);
  const pipeline = chain([source, parser({ streamValues: false }), pick({ filter: new RegExp(`^(${paths.map((p) => p.replace('.', '\\.')).join('|')})$`) }), streamArray()]);
  let seen = 0;
  try {
    for await (const row of pipeline as AsyncIterable<RawRow>) { seen++; yield row; }
  } catch (err) {
    throw new ParseError(`not valid JSON (truncated or damaged) after ${seen} row(s): ${(err as Error).message}`, { cause: err });
  } finally {
    source.destroy();
  }
}

/** The raw rows of a staged file in one of the non-array formats. */
export function containerRows(file: StagedFile, format: Exclude<FileFormat, 'json-array'>): AsyncGenerator<RawRow> {
  switch (format) {
    case 'json-lines': return jsonLines(file);
    case 'scrobbler-log': return scrobblerLog(file);
    case 'csv': return csvRecords(file);
    case 'maloja': return jsonDocumentArray(file, ['scrobbles']);
    case 'listenbrainz-payload': return jsonDocumentArray(file, ['payload', 'payload.listens']);
    case 'vibescope-json': return jsonDocumentArray(file, ['streams']);
  }
}
