/**
 * The core's speed and memory targets (issue 16): imports, the server's RSS after every stats
 * endpoint, 128 concurrent clients, bytes written per day. Single process at a time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Zip, ZipDeflate } from 'fflate';
import { freePort } from '../test/support/helpers.js';

/** One row of the bench table. */
export interface Line { bench: string; n: number; p50: string; p95: string; target: string; result: string }

const DIST = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(DIST, '..', 'src', 'cli.js');
const ok = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/**
 * How the product runs node: the environment and V8 flags of the `vibescope` command's shebang (the
 * add-on's s6 script passes the same flags). Imports run inside the server or that command, so they
 * are measured with them: `--optimize-for-size` costs imports ~40 % more CPU and saves ~100 MB of peak RSS.
 */
function productNode(): { env: NodeJS.ProcessEnv; flags: string[] } {
  const words = readFileSync(CLI, 'utf8').split('\n', 1)[0]!.replace(/^#!\S*env -S /, '').split(/\s+/);
  const at = words.indexOf('node');
  const env = Object.fromEntries(words.slice(0, at).map((w) => w.split('=') as [string, string]));
  return { env: { ...process.env, ...env }, flags: words.slice(at + 1) };
}

/** A loopback address nothing listens on (the discard port): connections are refused at once. */
const CLOSED_PORT = 'http://127.0.0.1:9/';
/**
 * Environment for a bench server: metadata enrichment stays on, as in a user's server, but nothing leaves
 * loopback (the metadata services are {@link CLOSED_PORT}: refused, retried and given up as on a box without internet).
 */
export const OFFLINE_METADATA_ENV = { VIBESCOPE_LISTENBRAINZ_API_URL: CLOSED_PORT, VIBESCOPE_MUSICBRAINZ_API_URL: CLOSED_PORT,
  VIBESCOPE_COVERART_URL: CLOSED_PORT } as const;

function node(script: string, args: string[], asProduct = false): any {
  const product = asProduct ? productNode() : { env: process.env, flags: [] };
  const res = spawnSync(process.execPath, [...product.flags, path.join(DIST, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24, env: product.env });
  if (res.status !== 0) throw new Error(`${script} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!);
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mb = (files: string[]) => (files.reduce((a, f) => a + statSync(f).size, 0) / 1e6).toFixed(0);
const vm = (pid: number, key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** A zip of one history entry holding `mbytes` MB of spaces, built in 16 MB chunks; the local header claims 1 KB. */
function zipBomb(mbytes: number): Buffer {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, data) => { if (err) throw err; parts.push(data); });
  const entry = new ZipDeflate('Spotify Extended Streaming History/Streaming_History_Audio_2024_0.json', { level: 1 });
  zip.add(entry);
  const chunk = new Uint8Array(16 * 1024 * 1024).fill(0x20);
  for (let i = 0; i < mbytes / 16; i++) entry.push(i === 0 ? Uint8Array.from([0x5b, ...chunk.subarray(1)]) : chunk);
  entry.push(new Uint8Array(0), true);
  zip.end();
  const out = Buffer.concat(parts);
  out.writeUInt32LE(1024, 22);
  return out;
}

/** Runs the core benches in `tmp`; returns the data folder holding ROWS plays (for later benches). */
export async function coreBench(lines: Line[], tmp: string, rows: number): Promise<string> {
  const dataDir = path.join(tmp, 'data');

  // 1. Imports end to end in a fresh process (load sql.js, parse, stage, journal, ingest, snapshot).
  const importRow = (label: string, files: string[], dir: string, target: string, limitS: number | null) => {
    const t0 = performance.now();
    const r = node('import-child.js', [dir, ...files], true);
    const wall = (performance.now() - t0) / 1000;
    lines.push({ bench: `${label} (${mb(files)} MB), wall`, n: 1, p50: `${wall.toFixed(2)} s`, p95: `peak RSS ${r.max_rss_mb} MB`,
      target, result: limitS === null ? (r.max_rss_mb <= 200 ? 'PASS' : 'FAIL') : ok(wall <= limitS && r.max_rss_mb <= 200) });
    return r;
  };
  const split = node('make-history.js', [path.join(tmp, 'Streaming_History_Audio_split.json'), String(rows), '19300']);
  const imported = importRow(`import ${split.rows} rows, ${split.files.length} export-sized files`, split.files, dataDir, '<= 8 s, RSS <= 200 MB', 8);
  for (const f of split.files) rmSync(f);
  const small = node('make-history.js', [path.join(tmp, 'Streaming_History_Audio_12k.json'), String(22 * 12_000), '12000']);
  importRow(`import ${small.rows} rows, ${small.files.length} files of 12 000 rows`, small.files, path.join(tmp, 'data-12k'), '<= 8 s, RSS <= 200 MB', 8);
  rmSync(path.join(tmp, 'data-12k'), { recursive: true, force: true });
  for (const f of small.files) rmSync(f);
  // A 1e6-row file (620 MB; the real rows repeated 4 times over, so 250 000 streams): streamed, bounded memory.
  const huge = node('make-history.js', [path.join(tmp, 'Streaming_History_Audio_huge.json'), String(1_000_000), String(1_000_000), String(rows)]);
  importRow(`import one ${huge.rows}-row file (${huge.distinct} distinct streams)`, huge.files, path.join(tmp, 'data-huge'), 'RSS <= 200 MB', null);
  rmSync(path.join(tmp, 'data-huge'), { recursive: true, force: true });
  for (const f of huge.files) rmSync(f);
  // A zip bomb: 1.5 GB of spaces in a small zip, its header claiming 1 KB: refused at the 1 GiB cap, memory bounded.
  const bombFile = path.join(tmp, 'my_spotify_data.zip');
  const zip = zipBomb(1536);
  writeFileSync(bombFile, zip);
  const bombRun = node('import-child.js', [path.join(tmp, 'data-bomb'), bombFile], true);
  lines.push({ bench: `zip bomb (${(zip.length / 1e6).toFixed(1)} MB zip, 1.5 GB inside, header says 1 KB)`, n: 1, p50: bombRun.ok ? 'ACCEPTED' : 'refused',
    p95: `peak RSS ${bombRun.max_rss_mb} MB`, target: 'refused, RSS <= 200 MB', result: ok(!bombRun.ok && bombRun.max_rss_mb <= 200) });
  rmSync(path.join(tmp, 'data-bomb'), { recursive: true, force: true });
  rmSync(bombFile);

  // 2. The server (the bin itself: dist/src/cli.js with its shebang) on that data: every stats endpoint.
  const port = await freePort();
  chmodSync(CLI, 0o755); // what npm does for a package's bin
  const server = spawn(CLI, ['serve', '--data-dir', dataDir, '--port', String(port)], {
    env: { ...process.env, VIBESCOPE_LOG_LEVEL: 'warning', VIBESCOPE_TIMEZONE: 'Europe/Berlin', VIBESCOPE_OPTIONS_FILE: path.join(tmp, 'none.json'),
      ...OFFLINE_METADATA_ENV },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}/api/v1`;
  for (let i = 0; i < 400; i++) {
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
    'stats/discoveries', 'stats/skips?limit=20', 'stats/today?account=default', 'streams?limit=50'];
  const urls: string[] = [];
  for (const endpoint of endpoints) {
    for (const [label, query] of ranges) {
      const url = `${base}/${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`;
      urls.push(url);
      const times: number[] = [];
      for (let i = 0; i < 33; i++) {
        // A new `to` each time (as the panel's "now" moves): the cache must not be what is measured.
        const moving = query ? url.replace(`to=${newest}`, `to=${newest + i}`) : url;
        const s = performance.now();
        const res = await fetch(moving);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${moving}: HTTP ${res.status}`);
        if (i >= 3) times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      lines.push({ bench: `GET /${endpoint.split('?')[0]}${endpoint.includes('by=ms') ? ' by=ms' : ''}${endpoint.includes('bucket=') ? ` ${endpoint.split('bucket=')[1]}` : ''} [${label}]`,
        n: times.length, p50: `${percentile(times, 50).toFixed(1)} ms`, p95: `${p95.toFixed(1)} ms`, target: 'p95 <= 50 ms', result: ok(p95 <= 50) });
    }
  }
  const rssMb = vm(server.pid!, 'VmRSS');
  lines.push({ bench: `server RSS at ${imported.stored} streams after every stats call (the bin)`, n: 1, p50: `${rssMb.toFixed(0)} MB`,
    p95: `peak ${vm(server.pid!, 'VmHWM').toFixed(0)} MB`, target: '<= 130 MB', result: ok(rssMb <= 130) });

  // 3. 128 concurrent clients, each looping over the stats URLs (moving `to`), for 20 s; /health probed alongside.
  const waits: number[] = [];
  const healthWaits: number[] = [];
  let stop = false;
  let errors = 0;
  const client = async (k: number) => {
    for (let i = k; !stop; i += 7) {
      const url = urls[i % urls.length]!.replace(`to=${newest}`, `to=${newest + (i % 97)}`);
      const s = performance.now();
      try { const res = await fetch(url); await res.arrayBuffer(); if (!res.ok) errors++; } catch { errors++; }
      waits.push(performance.now() - s);
    }
  };
  const prober = async () => {
    while (!stop) {
      const s = performance.now();
      try { await (await fetch(`${base}/health`)).arrayBuffer(); } catch { errors++; }
      healthWaits.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const running = [...Array.from({ length: 128 }, (_, k) => client(k)), prober()];
  await new Promise((r) => setTimeout(r, 20_000));
  stop = true;
  await Promise.all(running);
  waits.sort((a, b) => a - b); healthWaits.sort((a, b) => a - b);
  lines.push({ bench: '128 concurrent clients, stats endpoints, 20 s', n: waits.length, p50: `${percentile(waits, 50).toFixed(0)} ms`,
    p95: `p99 ${percentile(waits, 99).toFixed(0)} ms, max ${waits.at(-1)!.toFixed(0)} ms, ${errors} errors`, target: 'max <= 5000 ms', result: ok(waits.at(-1)! <= 5000 && errors === 0) });
  lines.push({ bench: '/health during that load', n: healthWaits.length, p50: `${percentile(healthWaits, 50).toFixed(0)} ms`,
    p95: `${percentile(healthWaits, 95).toFixed(0)} ms, max ${healthWaits.at(-1)!.toFixed(0)} ms`, target: 'p95 <= 250 ms', result: ok(percentile(healthWaits, 95) <= 250) });
  lines.push({ bench: 'server RSS after the load', n: 1, p50: `${vm(server.pid!, 'VmRSS').toFixed(0)} MB`, p95: `peak ${vm(server.pid!, 'VmHWM').toFixed(0)} MB`,
    target: '<= 130 MB', result: ok(vm(server.pid!, 'VmRSS') <= 130) });
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));

  // 4. Bytes written by the store in one day: 110 polls with a new play each + the daily snapshot.
  const writes = node('writes-child.js', [dataDir]);
  const written = writes.io_write_bytes / 1e6;
  lines.push({ bench: 'store bytes written per day (110 plays + 1 snapshot)', n: 1, p50: `${written.toFixed(1)} MB`,
    p95: `snapshot ${(writes.snapshot_bytes / 1e6).toFixed(1)} MB, journal ${(writes.journal_bytes / 1e3).toFixed(0)} kB`, target: '<= 40 MB', result: ok(written <= 40) });
  return dataDir;
}
