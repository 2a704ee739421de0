/**
 * Benchmark rows of metadata enrichment (issue 11): resolving 10 000 distinct tracks against the
 * fake ListenBrainz and MusicBrainz (requests made, wall time without the deliberate waits, peak
 * RSS), and the genre / country / era / obscurity endpoints at 250 000 plays. Called from run.ts.
 */
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/helpers.js';
import { buildWorld } from '../test/support/metabrainz-world.js';
import { startFakeListenBrainz, startFakeMusicBrainz } from '../test/support/fake-metabrainz.js';
import { historyRows, worldTracks } from '../test/support/metadata.js';
import { syntheticTracks } from './metadata-tracks.js';

const DIST = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(DIST, '..', 'src', 'cli.js');
const TRACKS = Number(process.env.BENCH_METADATA_TRACKS ?? 10_000);

interface Line { bench: string; n: number; p50: string; p95: string; target: string; result: string }
export interface MetadataBenchContext { tmp: string; dataDir: string; lines: Line[]; ok: (pass: boolean) => string; percentile: (sorted: number[], p: number) => number }

/** Runs the child with the fakes serving `tracks`; resolves to its JSON report. */
async function runChild(tracks: ReturnType<typeof syntheticTracks>, args: string[]): Promise<any> {
  const world = buildWorld(tracks);
  const lb = await startFakeListenBrainz(world);
  const mb = await startFakeMusicBrainz(world);
  try {
    const child = spawn(process.execPath, ['--optimize-for-size', path.join(DIST, 'metadata-child.js'), args[0]!, lb.url, mb.url, ...args.slice(1)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`metadata-child failed: ${err.slice(-2000)}`);
    return { ...JSON.parse(out.trim().split('\n').at(-1)!), lb_requests: lb.requests.length, mb_requests: mb.requests.length };
  } finally { await lb.close(); await mb.close(); }
}

export async function benchMetadata({ tmp, dataDir, lines, ok, percentile }: MetadataBenchContext): Promise<void> {
  // 1. Resolve 10 000 distinct tracks with a token, real pacing; the fakes count every request.
  const r = await runChild(syntheticTracks(TRACKS), ['resolve', String(TRACKS)]);
  const requests = r.lb_requests + r.mb_requests;
  const waits = r.lb.rate_limit_wait_ms + r.lb.paced_wait_ms + r.lb.backoff_wait_ms;
  lines.push({ bench: `enrich ${TRACKS} distinct tracks: requests (ListenBrainz + MusicBrainz)`, n: 1, p50: `${requests} (${r.lb_requests} + ${r.mb_requests})`,
    p95: `${r.tracks.resolved} resolved, ${r.tracks.not_found} not found`, target: '<= 250', result: ok(requests <= 250 && r.tracks.pending + r.tracks.failed === 0) });
  lines.push({ bench: `enrich ${TRACKS} tracks: wall without ListenBrainz's deliberate waits`, n: 1, p50: `${((r.wall_ms - waits) / 1000).toFixed(1)} s`,
    p95: `wall ${(r.wall_ms / 1000).toFixed(1)} s, CPU ${(r.cpu_ms / 1000).toFixed(1)} s`, target: 'info', result: 'info' });
  lines.push({ bench: `enrich ${TRACKS} tracks: peak RSS of the process`, n: 1, p50: `${r.max_rss_mb} MB`, p95: '', target: 'info', result: 'info' });

  // 2. The new endpoints at 250 000 plays: enrich a copy of the benchmark's data folder, then serve it (enrichment off).
  const copy = path.join(tmp, 'data-metadata');
  cpSync(dataDir, copy, { recursive: true });
  await runChild(worldTracks(historyRows()), ['data-dir', copy]);
  const port = await freePort();
  const server = spawn(process.execPath, ['--optimize-for-size', CLI, 'serve', '--data-dir', copy, '--port', String(port)], {
    env: { ...process.env, VIBESCOPE_LOG_LEVEL: 'warning', VIBESCOPE_TIMEZONE: 'Europe/Berlin', VIBESCOPE_METADATA_ENRICHMENT: 'false',
      VIBESCOPE_OPTIONS_FILE: path.join(tmp, 'none.json') }, stdio: 'ignore' });
  try {
    const base = `http://127.0.0.1:${port}/api/v1`;
    for (let i = 0; i < 200; i++) {
      try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* not listening yet */ }
      await new Promise((res) => setTimeout(res, 50));
    }
    const newest = (await (await fetch(`${base}/streams?limit=1`)).json() as any).streams[0].ended_at as number;
    const endpoints = ['stats/top/genres?limit=50', 'stats/top/genres?limit=50&by=ms', 'stats/genres/timeline?bucket=week', 'stats/genres/timeline?bucket=month',
      'stats/countries', 'stats/eras', 'stats/obscurity?limit=20', 'enrichment'];
    for (const endpoint of endpoints) {
      for (const [label, query] of [['all', ''], ['1 y', `from=${newest - 365 * 86_400_000}&to=${newest}`]] as const) {
        if (endpoint === 'enrichment' && label !== 'all') continue;
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
        lines.push({ bench: `GET /${endpoint.split('?')[0]}${endpoint.includes('by=ms') ? ' by=ms' : ''}${endpoint.includes('bucket=') ? ` ${endpoint.split('bucket=')[1]}` : ''} [${label}]`,
          n: times.length, p50: `${percentile(times, 50).toFixed(1)} ms`, p95: `${p95.toFixed(1)} ms`, target: label === 'all' ? 'p95 <= 50 ms' : 'info',
          result: label === 'all' ? ok(p95 <= 50) : 'info' });
      }
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((res) => server.once('exit', res));
  }
}
