import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { chain } from 'stream-chain';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { open } from 'node:fs/promises';
import type { StagedFile } from './stage.js';
import { containerRows, ParseError, type RawRow } from './formats/containers.js';
import { splitJsonArray } from './formats/json-array.js';
import { sniffFormat, SNIFF_BYTES, type FileFormat, type Sniffed } from './formats/sniff.js';

export { ParseError, BadRow, type RawRow } from './formats/containers.js';
export { FILE_FORMATS, type FileFormat } from './formats/sniff.js';

/** The most rows one file may hold (a real export file holds ~15 000); past it the file is refused. */
export const MAX_ROWS_PER_FILE = 5_000_000;

/** The first {@link SNIFF_BYTES} of a staged file, and whether that is all of it. */
export async function headOf(file: StagedFile): Promise<{ head: Buffer; complete: boolean }> {
  if (file.buffer) return { head: file.buffer.subarray(0, SNIFF_BYTES), complete: file.buffer.length <= SNIFF_BYTES };
  const fh = await open(file.path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return { head: buffer.subarray(0, bytesRead), complete: bytesRead < SNIFF_BYTES };
  } finally {
    await fh.close();
  }
}

/**
 * The format of a staged file, from its content (formats/sniff.ts).
 * @throws ParseError naming what Vibescope reads when it is none of those.
 */
export async function formatOf(file: StagedFile): Promise<Sniffed> {
  const { head, complete } = await headOf(file);
  const sniffed = sniffFormat(head, complete);
  if (!sniffed) {
    throw new ParseError('not a listening history Vibescope reads (a Spotify export JSON or zip, a ListenBrainz export, a Maloja export, '
      + 'a Rockbox .scrobbler.log, a Libre.fm / Last.fm CSV or a Pano Scrobbler export)');
  }
  return sniffed;
}

/** Rows handed on together by {@link rowsOf}. */
const ROWS_PER_SLICE = 256;

/**
 * A slice of a file's rows, in order: row i's key (its position in the file, or its line) is `key(i)`,
 * and its value `take(i)`, to be called once per row, in order. A row is parsed (JSON arrays in memory)
 * or handed over (streamed rows) only then, and the slice keeps nothing of it: rows a slice held
 * already parsed outlived young-generation collections while the rows before them were converted
 * (measured: ~30 % of an import's promoted bytes, `--trace-gc-nvp`).
 */
export interface RowSlice {
  readonly length: number;
  key(i: number): number;
  /** @throws ParseError when the row is not valid JSON (a JSON array in memory; the rows before it were read). */
  take(i: number): unknown;
}

/** A slice over rows already in hand; each is dropped from it as it is taken. */
class HeldRows implements RowSlice {
  constructor(private readonly rows: (RawRow | undefined)[]) {}
  get length(): number { return this.rows.length; }
  key(i: number): number { return this.rows[i]!.key; }
  take(i: number): unknown {
    const row = this.rows[i]!;
    this.rows[i] = undefined;
    return row.value;
  }
}

/** A slice of a JSON array's elements in memory, each parsed when taken: `spans` as {@link splitJsonArray} gives them. */
class SpanRows implements RowSlice {
  constructor(private readonly buffer: Buffer, private readonly spans: number[], private readonly from: number, readonly length: number) {}
  key(i: number): number { return this.from + i; }
  take(i: number): unknown {
    const j = 2 * (this.from + i);
    try {
      return JSON.parse(this.buffer.toString('utf8', this.spans[j], this.spans[j + 1]));
    } catch {
      wholeJson(this.buffer); // throws the ParseError a whole-file parse gives (its message names the position)
      throw new ParseError('not valid JSON (truncated or damaged)');
    }
  }
}

/** A slice of a whole-file parse's array, each element dropped from the array as it is taken (the parsed file shrinks as it is read). */
class ArrayRows implements RowSlice {
  constructor(private readonly data: unknown[], private readonly from: number, readonly length: number) {}
  key(i: number): number { return this.from + i; }
  take(i: number): unknown {
    const value = this.data[this.from + i];
    this.data[this.from + i] = undefined;
    return value;
  }
}

/**
 * The rows of a staged history file, in order, for its `format` (default: a JSON array, the only
 * format before 0.2, so journal lines without a format replay as before), in slices of up to
 * {@link ROWS_PER_SLICE} rows: an async step per row cost a promise and a result object, ~400 bytes a
 * row of garbage on an import. JSON arrays come from memory (a JSON.parse per row, as it is taken) when
 * the file is small, else streamed from disk with stream-json; the other formats are always streamed
 * (formats/containers.ts), so memory stays bounded.
 * @throws ParseError for a file that is damaged or not in `format`, or past {@link MAX_ROWS_PER_FILE} rows
 *   (a JSON array in memory may throw it from a slice's `take` instead, at the damaged row).
 */
export async function* rowsOf(file: StagedFile, format: FileFormat = 'json-array'): AsyncGenerator<RowSlice> {
  if (format === 'json-array' && file.buffer) {
    yield* bufferSlices(file.buffer);
    return;
  }
  let slice: RawRow[] = [];
  try {
    for await (const row of streamedRows(file, format)) {
      slice.push(row);
      if (slice.length >= ROWS_PER_SLICE) { yield new HeldRows(slice); slice = []; }
    }
  } catch (err) {
    if (slice.length > 0) yield new HeldRows(slice); // the rows before the damage are read (a failed file's report counts them)
    throw err;
  }
  if (slice.length > 0) yield new HeldRows(slice);
}

/** The rows of a JSON array in memory, in slices of {@link ROWS_PER_SLICE}. @throws ParseError as {@link rowsOf}. */
function* bufferSlices(buffer: Buffer): Generator<RowSlice> {
  // Row by row where the file is an array of objects (every export is): each row dies young (json-array.ts).
  const spans = splitJsonArray(buffer);
  if (spans) {
    const rows = spans.length / 2;
    if (rows > MAX_ROWS_PER_FILE) throw tooMany();
    for (let k = 0; k < rows; k += ROWS_PER_SLICE) yield new SpanRows(buffer, spans, k, Math.min(ROWS_PER_SLICE, rows - k));
    return;
  }
  const data = wholeJson(buffer);
  if (!Array.isArray(data)) throw new ParseError('expected a JSON array of streams at the top level');
  if (data.length > MAX_ROWS_PER_FILE) throw tooMany();
  for (let k = 0; k < data.length; k += ROWS_PER_SLICE) yield new ArrayRows(data, k, Math.min(ROWS_PER_SLICE, data.length - k));
}

/** The rows of a file {@link bufferSlices} does not read, one at a time: other formats (formats/containers.ts), or a JSON array streamed from disk. */
async function* streamedRows(file: StagedFile, format: FileFormat): AsyncGenerator<RawRow> {
  if (format !== 'json-array') {
    let seen = 0;
    for await (const row of containerRows(file, format)) {
      if (++seen > MAX_ROWS_PER_FILE) throw tooMany();
      yield row;
    }
    return;
  }
  const source: Readable = createReadStream(file.path, { highWaterMark: 1 << 18 });
  const pipeline = chain([source, parser({ streamValues: false }), streamArray()]);
  let seen = 0;
  try {
    for await (const row of pipeline as AsyncIterable<RawRow>) {
      if (++seen > MAX_ROWS_PER_FILE) throw tooMany();
      yield row;
    }
  } catch (err) {
    if (err instanceof ParseError) throw err;
    const message = (err as Error).message;
    if (/Top-level object should be an array/i.test(message)) throw new ParseError('expected a JSON array of streams at the top level');
    throw new ParseError(`not valid JSON (truncated or damaged) after ${seen} row(s): ${message}`, { cause: err });
  } finally {
    source.destroy();
  }
}

/**
 * The whole file parsed at once.
 * @throws ParseError when it is not valid JSON.
 */
function wholeJson(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ParseError(`not valid JSON (truncated or damaged): ${(err as Error).message}`, { cause: err });
  }
}

function tooMany(): ParseError {
  return new ParseError(`it holds more than ${MAX_ROWS_PER_FILE.toLocaleString('en')} rows; a listening history file holds far fewer (a Spotify one about 15 000), so this is not one`);
}
