/**
 * `npm run bench`: every capability's speed and memory targets, measured on this machine and printed
 * as one table. Single process at a time (the machine gives about one core of throughput). Each area
 * adds its rows from its own bench/<area>.ts. `BENCH_ONLY=core,audio` runs some areas only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { coreBench, type Line } from './core.js';
import { fretsOnFireSongs } from '../test/support/fretsonfire.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storyBench } from './story.js';

const DIST = path.dirname(fileURLToPath(import.meta.url));
const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const run = (area: string) => ONLY.size === 0 || ONLY.has(area);
const ROWS = Number(process.env.BENCH_ROWS ?? 250_000);

const lines: Line[] = [];
const ok = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

function node(script: string, args: string[]): any {
  const res = spawnSync(process.execPath, [path.join(DIST, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`${script} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!);
}

function audioBench(): void {
  const songs = fretsOnFireSongs().map((s) => s.audio);
  let decodeWall = 0;
  for (const file of songs) {
    const t = performance.now();
    const res = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-ac', '1', '-ar', '22050', '-f', 'f32le', '-y', '/dev/null']);
    if (res.status !== 0) throw new Error(`ffmpeg failed on ${file}`);
    decodeWall += (performance.now() - t) / 1000;
  }
  const audio = node('audio-child.js', songs);
  const full = audio.audio_s / audio.wall_s;
  const decodeOnly = audio.audio_s / decodeWall;
  lines.push({ bench: `audio descriptors end to end, ${songs.length} songs (${(audio.audio_s / 60).toFixed(1)} min)`, n: songs.length,
    p50: `${full.toFixed(0)}x real time`, p95: `${(audio.wall_s).toFixed(1)} s wall`, target: '>= 100x', result: ok(full >= 100) });
  lines.push({ bench: 'ffmpeg decode only (same files) / ratio to descriptors', n: songs.length, p50: `${decodeOnly.toFixed(0)}x real time`,
    p95: `descriptors take ${(decodeOnly / full).toFixed(2)}x decode time`, target: 'info', result: 'info' });
  lines.push({ bench: 'audio job peak RSS above baseline', n: 1, p50: `${(audio.peak_mb - audio.baseline_mb).toFixed(0)} MB`,
    p95: `baseline ${audio.baseline_mb.toFixed(0)} MB`, target: '<= 60 MB', result: ok(audio.peak_mb - audio.baseline_mb <= 60) });
}

const tmp = mkdtempSync(path.join(tmpdir(), 'vibescope-bench-'));
try {
  // The core builds a data folder of ROWS plays that later areas measure on.
  const dataDir = run('core') || run('story') ? await coreBench(lines, tmp, ROWS) : null;
  if (run('story') && dataDir) lines.push(...storyBench(dataDir));

  // Audio descriptors on real music (Debian's Frets on Fire songs), single process.
  if (run('audio')) audioBench();
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
