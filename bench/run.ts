/**
 * `npm run bench`: every capability's speed and memory targets, measured on this machine and printed
 * as one table. Single process at a time (the machine gives about one core of throughput). Each area
 * adds its rows from its own bench/<area>.ts. `BENCH_ONLY=core,audio` runs some areas only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { coreBench, type Line } from './core.js';
import { audioBench } from './audio.js';
import { beyondBench } from './beyond.js';
import { benchMetadata } from './metadata.js';
import { percentile } from './core.js';
import { benchPlaylists } from './playlists.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storyBench } from './story.js';
import { panelBench } from './panel.js';

const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const run = (area: string) => ONLY.size === 0 || ONLY.has(area);
const ROWS = Number(process.env.BENCH_ROWS ?? 250_000);

const lines: Line[] = [];
const tmp = mkdtempSync(path.join(tmpdir(), 'vibescope-bench-'));
try {
  // The core builds a data folder of ROWS plays that later areas measure on.
  const dataDir = run('core') || run('story') || run('panel') || run('metadata') || run('playlists') ? await coreBench(lines, tmp, ROWS) : null;
  if (run('story') && dataDir) lines.push(...storyBench(dataDir));
  // The panel's endpoints and pages (time to data at 4x CPU slowdown) on the same data: bench/panel.ts.
  if (run('panel') && dataDir) lines.push(...await panelBench(dataDir));

  // Audio descriptors on real music (Debian's Frets on Fire songs): bench/audio.ts.
  if (run('audio')) lines.push(...audioBench());

  // Other sources in, exports out, the scrobble outbox: bench/beyond.ts.
  if (run('beyond')) lines.push(...(await beyondBench(tmp)));

  // Metadata enrichment and its statistics (bench/metadata.ts), on a copy of the data folder.
  if (run('metadata') && dataDir) {
    const ok = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
    await benchMetadata({ tmp, dataDir, lines, ok, percentile });
  }

  // Vibe playlists at this history (bench/playlists.ts).
  if (run('playlists') && dataDir) lines.push(...await benchPlaylists(dataDir, tmp, ROWS));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\nVibescope bench - ${cpu} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
const headers: (keyof Line)[] = ['bench', 'n', 'p50', 'p95', 'target', 'result'];
const widths = headers.map((h) => Math.max(h.length, ...lines.map((l) => String(l[h]).length)));
const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(row(headers));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines) console.log(row(headers.map((h) => String(l[h]))));
if (lines.some((l) => l.result === 'FAIL')) process.exitCode = 1;
