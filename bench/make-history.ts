/**
 * Builds a large extended history by repeating the real rows (test/fixtures/history/extended) with
 * timestamps shifted back by 90 days per copy. Usage: make-history.js OUT.json ROWS [ROWS_PER_FILE]
 * With ROWS_PER_FILE, writes OUT_0.json, OUT_1.json, … as Spotify splits its exports (~12 MB each).
 * With DISTINCT, rows past the first DISTINCT repeat them (the same streams again: a re-export).
 */
import { readdirSync, readFileSync, createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [out, rowsArg, perFileArg, distinctArg] = process.argv.slice(2);
const target = Number(rowsArg ?? 250_000);
const perFile = Number(perFileArg ?? target);
const distinct = Number(distinctArg ?? target);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = path.join(root, 'test', 'fixtures', 'history', 'extended');
const real: any[] = readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
const files: string[] = [];
let stream: ReturnType<typeof createWriteStream> | null = null;
let inFile = 0;
async function closeFile(): Promise<void> {
  if (!stream) return;
  const s = stream; stream = null;
  s.end('\n]\n');
  await new Promise<void>((resolve) => s.on('finish', () => resolve()));
}
let n = 0;
for (let copy = 0; n < target; copy++) {
  const shift = (copy % Math.ceil(distinct / real.length)) * 90 * 86_400_000;
  for (const row of real) {
    if (n >= target) break;
    if (!stream || inFile >= perFile) {
      await closeFile();
      const name = perFile >= target ? out! : out!.replace(/\.json$/, `_${files.length}.json`);
      files.push(name);
      stream = createWriteStream(name);
      stream.write('[\n');
      inFile = 0;
    }
    const ts = new Date(Date.parse(row.ts) - shift).toISOString().replace(/\.\d{3}Z$/, 'Z');
    stream.write(`${inFile === 0 ? '' : ',\n'}${JSON.stringify({ ...row, ts })}`);
    inFile++; n++;
  }
}
await closeFile();
console.log(JSON.stringify({ rows: n, real_rows: real.length, distinct: Math.min(n, Math.ceil(distinct / real.length) * real.length), files }));
