/**
 * `npm run bench`: the core's speed and memory targets (issue "Core"), measured on this machine and
 * printed as one table. Single process at a time (the machine gives about one core of throughput).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { freePort } from '../test/support/helpers.js';
import { fretsOnFireSongs } from '../test/support/fretsonfire.js';
import { benchPlaylists } from './playlists.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(DIST, '..', 'src', 'cli.js');
const ROWS = Number(process.env.BENCH_ROWS ?? 250_000);

interface Line { bench: string; n: number; p50: string; p95: string; target: string; result: string }
const lines: Line[] = [];
const ok = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

function node(script: string, args: string[]): any {
  const res = spawnSync(process.execPath, [path.join(DIST, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`${script} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!);
}


function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'vibescope-bench-'));
try {
  const dataDir = path.join(tmp, 'data');
  const mb = (files: string[]) => (files.reduce((a, f) => a + statSync(f).size, 0) / 1e6).toFixed(0);

  // 1a. Import end to end, the export as Spotify ships it (files of ~12 MB): a fresh process loads
  //     sql.js, parses each file, ingests, writes the snapshot.
  const split = node('make-history.js', [path.join(tmp, 'Streaming_History_Audio_split.json'), String(ROWS), '20000']);
  let t0 = performance.now();
  const imported = node('import-child.js', [dataDir, ...split.files]);
  const wall = (performance.now() - t0) / 1000;
  lines.push({ bench: `import ${split.rows} rows, ${split.files.length} files (${mb(split.files)} MB), wall`, n: 1, p50: `${wall.toFixed(2)} s`,
    p95: `peak RSS ${imported.max_rss_mb} MB`, target: '<= 10 s', result: ok(wall <= 10 && imported.stored + imported.rejected === split.rows) });

  // 1b. The same rows as ONE file, past the whole-file limit: streamed with stream-json (bounded memory).
  const single = node('make-history.js', [path.join(tmp, 'Streaming_History_Audio_single.json'), String(ROWS)]);
  t0 = performance.now();
  const streamed = node('import-child.js', [path.join(tmp, 'data-streamed'), ...single.files]);
  const wall2 = (performance.now() - t0) / 1000;
  rmSync(path.join(tmp, 'data-streamed'), { recursive: true, force: true });
  lines.push({ bench: `import ${single.rows} rows as 1 file (${mb(single.files)} MB, streamed), wall`, n: 1, p50: `${wall2.toFixed(2)} s`,
    p95: `peak RSS ${streamed.max_rss_mb} MB`, target: 'info', result: 'info' });
  for (const f of [...split.files, ...single.files]) rmSync(f);

  // 2. The server on that data: every stats endpoint, ranges incl. all time.
  const port = await freePort();
  // Started as `npm start` starts it: V8's --optimize-for-size (small young generation, slower heap growth).
  const server = spawn(process.execPath, ['--optimize-for-size', CLI, 'serve', '--data-dir', dataDir, '--port', String(port)], {
    env: { ...process.env, VIBESCOPE_LOG_LEVEL: 'warning', VIBESCOPE_TIMEZONE: 'Europe/Berlin', VIBESCOPE_OPTIONS_FILE: path.join(tmp, 'none.json') },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}/api/v1`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  const newest = (await (await fetch(`${base}/streams?limit=1`)).json() as any).streams[0].ended_at as number;
  const ranges: [string, string][] = [
    ['7 d', `from=${newest - 7 * 86_400_000}&to=${newest}`], ['4 w', `from=${newest - 28 * 86_400_000}&to=${newest}`],
    ['1 y', `from=${newest - 365 * 86_400_000}&to=${newest}`], ['all', ''],
  ];
  const endpoints = ['stats/summary', 'stats/top/tracks?limit=50', 'stats/top/artists?limit=50', 'stats/top/albums?limit=50',
    'stats/top/tracks?limit=50&by=ms', 'stats/heatmap', 'stats/timeline?bucket=day', 'stats/timeline?bucket=month', 'sessions?limit=50',
    'stats/discoveries', 'stats/skips?limit=20', 'stats/today?account=default'];
  let worst = 0;
  for (const endpoint of endpoints) {
    for (const [label, query] of ranges) {
      const url = `${base}/${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`;
      const times: number[] = [];
      for (let i = 0; i < 33; i++) {
        const s = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
        if (i >= 3) times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      worst = Math.max(worst, p95);
      lines.push({ bench: `GET /${endpoint.split('?')[0]}${endpoint.includes('by=ms') ? ' by=ms' : ''}${endpoint.includes('bucket=') ? ` ${endpoint.split('bucket=')[1]}` : ''} [${label}]`,
        n: times.length, p50: `${percentile(times, 50).toFixed(1)} ms`, p95: `${p95.toFixed(1)} ms`, target: 'p95 <= 50 ms', result: ok(p95 <= 50) });
    }
  }
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  const hwmMb = Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
  lines.push({ bench: `server RSS at ${imported.stored} streams after every stats call`, n: 1, p50: `${rssMb.toFixed(0)} MB`, p95: `peak ${hwmMb.toFixed(0)} MB`,
    target: '<= 150 MB', result: ok(rssMb <= 150) });
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));

  // 3. Bytes written by the store in one day: 110 polls with a new play each + the daily snapshot.
  const writes = node('writes-child.js', [dataDir]);
  const written = writes.io_write_bytes / 1e6;
  lines.push({ bench: 'store bytes written per day (110 plays + 1 snapshot)', n: 1, p50: `${written.toFixed(1)} MB`,
    p95: `snapshot ${(writes.snapshot_bytes / 1e6).toFixed(1)} MB, journal ${(writes.journal_bytes / 1e3).toFixed(0)} kB`, target: '<= 40 MB', result: ok(written <= 40) });

  // 3b. Vibe playlists at this history (bench/playlists.ts).
  lines.push(...await benchPlaylists(dataDir, tmp, ROWS));

  // 4. Audio descriptors on real music (Debian's Frets on Fire songs), single process.
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
