import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { splitJsonArray } from '../../src/importers/formats/json-array.js';
import { rowsOf } from '../../src/importers/parse.js';
import { EXTENDED_DIR, FIXTURES } from '../support/fixtures.js';

/** The rows of `bytes` as the split gives them, each parsed on its own. */
function splitRows(bytes: Buffer): unknown[] | null {
  const spans = splitJsonArray(bytes);
  if (!spans) return null;
  const rows: unknown[] = [];
  for (let k = 0; k < spans.length; k += 2) rows.push(JSON.parse(bytes.toString('utf8', spans[k], spans[k + 1])));
  return rows;
}

/** What rowsOf yields for an in-memory file, or the error it throws. */
async function read(bytes: Buffer): Promise<{ rows: unknown[] } | { error: string }> {
  const rows: unknown[] = [];
  try {
    for await (const slice of rowsOf({ name: '', path: '', bytes: bytes.length, sha256: '', buffer: bytes })) for (let i = 0; i < slice.length; i++) rows.push(slice.take(i));
    return { rows };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('importers: a JSON array of rows is split and parsed row by row', () => {
  it('gives every row of the real exports exactly as JSON.parse of the whole file does', () => {
    const files = readdirSync(EXTENDED_DIR).filter((f) => f.endsWith('.json')).map((f) => path.join(EXTENDED_DIR, f));
    expect(files.length).to.be.greaterThan(2);
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(splitRows(bytes), file).to.deep.equal(JSON.parse(bytes.toString('utf8')));
    }
  });

  it('handles what real files hold: a byte-order mark, line breaks, quotes, backslashes and brackets inside strings, nested values, UTF-8', () => {
    const rows = [
      { name: 'He said "}{" and left', artist: 'AC\\DC', n: 1 },
      { name: 'trailing backslash \\', tags: ['[', ']', '{'], meta: { deep: { x: [1, { y: '}' }] } } },
      { name: 'Sigur Rós – Hoppípolla ♫', emoji: '🎧', escaped: '\u00e9\n\t' },
      {},
    ];
    const pretty = Buffer.from(`\uFEFF \r\n[\r\n${rows.map((r) => JSON.stringify(r, null, 2)).join(' ,\n\t')}\n]\n`);
    expect(splitRows(pretty)).to.deep.equal(rows);
    expect(splitRows(Buffer.from(JSON.stringify(rows)))).to.deep.equal(rows);
    expect(splitRows(Buffer.from(' [ ] '))).to.deep.equal([]);
  });

  it('gives up on any other layout, and the whole-file parse then decides (same rows, same errors as before)', async () => {
    const other = ['[1, 2]', '{"a": 1}', '[{"a":1},]', '[{"a":1}{"b":2}]', '[{"a":1}] x', '[{"a":1}', '[{"a":"1}]', '', '[{"a":1},,{"b":2}]', 'null'];
    for (const text of other) expect(splitJsonArray(Buffer.from(text)), text).to.equal(null);
    // A file the split takes apart but whose rows are not all valid JSON fails as a whole, with JSON.parse's own reason.
    const broken = Buffer.from('[{"ts": "2024-01-01T00:00:00Z"}, {"ts": 2024-01-01}]');
    let wholeError = '';
    try { JSON.parse(broken.toString('utf8')); } catch (err) { wholeError = (err as Error).message; }
    expect(await read(broken)).to.deep.equal({ error: `not valid JSON (truncated or damaged): ${wholeError}` });
    // Valid JSON of another shape still reads as it did.
    expect(await read(Buffer.from('[{"a":1}, 2]'))).to.deep.equal({ rows: [{ a: 1 }, 2] });
    expect(await read(Buffer.from('{"a": 1}'))).to.deep.equal({ error: 'expected a JSON array of streams at the top level' });
    expect(await read(Buffer.from('[{"a":1},]'))).to.have.property('error').that.matches(/^not valid JSON \(truncated or damaged\): /);
  });

  it('gives the same rows for the other real JSON arrays (account data, ListenBrainz samples, nested metadata)', () => {
    const arrays = ['history/account', 'listenbrainz'].flatMap((sub) => readdirSync(path.join(FIXTURES, sub))
      .filter((f) => f.endsWith('.json')).map((f) => readFileSync(path.join(FIXTURES, sub, f))))
      .filter((b) => /^\s*\[\s*\{/.test(b.toString('utf8', 0, 64)));
    expect(arrays.length, 'JSON-array fixtures under test/fixtures').to.be.greaterThan(5);
    expect(arrays.some((b) => /\{[^}]*\{/.test(b.toString('utf8'))), 'one with nested objects').to.equal(true);
    for (const bytes of arrays) expect(splitRows(bytes)).to.deep.equal(JSON.parse(bytes.toString('utf8')));
  });
});
