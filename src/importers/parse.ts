import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { chain } from 'stream-chain';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import type { StagedFile } from './stage.js';

/** One row of a history file: its 0-based index and the parsed value. */
export interface RawRow { key: number; value: unknown }

/** The most rows one file may hold (a real export file holds ~15 000); past it the file is refused. */
export const MAX_ROWS_PER_FILE = 5_000_000;

/** A file that is not the JSON we expect, in words a person understands. */
export class ParseError extends Error {}

/**
 * The rows of a staged history file (a JSON array of objects), in order: from memory with JSON.parse
 * when the file is small, else streamed from disk with stream-json (memory stays bounded).
 * @throws ParseError for JSON that is damaged or not an array, or past {@link MAX_ROWS_PER_FILE} rows.
 */
export async function* rowsOf(file: StagedFile): AsyncGenerator<RawRow> {
  if (file.buffer) {
    let data: unknown;
    try {
      data = JSON.parse(file.buffer.toString('utf8').replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new ParseError(`not valid JSON (truncated or damaged): ${(err as Error).message}`, { cause: err });
    }
    if (!Array.isArray(data)) throw new ParseError('expected a JSON array of streams at the top level');
    if (data.length > MAX_ROWS_PER_FILE) throw tooMany();
    for (let key = 0; key < data.length; key++) {
      const value = data[key];
      data[key] = undefined; // a row handed on is not kept twice: the parsed file shrinks as it is read
      yield { key, value };
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

function tooMany(): ParseError {
  return new ParseError(`it holds more than ${MAX_ROWS_PER_FILE.toLocaleString('en')} rows; a Spotify history file holds about 15 000, so this is not one`);
}
