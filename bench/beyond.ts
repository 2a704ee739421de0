/**
 * Bench rows of issue 15 ("Beyond Spotify"), called by bench/run.ts: import speed per listen format,
 * export throughput and memory, and the scrobble outbox's latency under faults (a fake ListenBrainz
 * on 127.0.0.1). Each import and export runs in its own process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore } from '../src/core.js';
import { createLogger } from '../src/log.js';
import { createScrobble } from '../src/scrobble/index.js';
import { startFakeListenBrainz, type LbFault } from '../test/support/fake-listenbrainz.js';
import { stream } from '../test/support/core.js';

/** One bench table row (bench/run.ts Line). */
export interface BenchLine { bench: string; n: number; p50: string; p95: string; target: string; result: string }

const DIST = path.dirname(fileURLToPath(import.meta.url));
const LISTENS = Number(process.env.BENCH_LISTENS ?? 50_000);
const EXPORT_ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 250_000);

function child(script: string, args: string[], flags: string[] = []): any {
  const res = spawnSync(process.execPath, [...flags, path.join(DIST, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`${script} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Plays recorded one by one; ms from the record to the fake storing it, under a fault before each. */
async function outboxLatency(fault: LbFault | null, samples: number): Promise<number[]> {
  const fake = await startFakeListenBrainz();
  const core = await openCore({ dataDir: null, timeZone: 'UTC', log: createLogger('silent') });
  const scrobble = createScrobble({ options: { scrobble_url: fake.url, scrobble_token: 'token-rob', scrobble_backfill: false,
    listenbrainz_api_url: fake.url, listenbrainz_poll_interval_s: 3600, http_timeout_s: 2 }, store: core.store, ingest: core.ingest, bus: core.bus,
  log: createLogger('silent'), accounts: ['default'], version: 'bench' });
  await scrobble.start();
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      if (fault) fake.fault(fault);
      const arrived = new Promise<void>((resolve) => fake.onStored(() => resolve()));
      const t0 = performance.now();
      await core.ingest.record([stream(i, Date.UTC(2026, 0, 1) + i * 240_000, { ms_played: 200_000 })]);
      await arrived;
      times.push(performance.now() - t0);
    }
  } finally { await scrobble.stop(); await core.close(); await fake.close(); }
  return times.sort((a, b) => a - b);
}

/** Runs the rows in `tmp` (removed by the caller). */
export async function beyondBench(tmp: string): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  for (const format of ['listenbrainz', 'maloja', 'scrobbler-log', 'lastfm-csv', 'panoscrobbler', 'endsong']) {
    const dir = path.join(tmp, `formats-${format}`);
    mkdirSync(dir, { recursive: true });
    const r = child('import-formats-child.js', [dir, format, String(LISTENS)]);
    rmSync(dir, { recursive: true, force: true });
    lines.push({ bench: `import ${format} ${r.rows} rows (${(r.bytes / 1e6).toFixed(1)} MB), one file`, n: 1, p50: `${Math.round(r.rows / (r.ms / 1000))} rows/s wall`,
      p95: `${Math.round(r.rows / (r.cpu_ms / 1000))} rows/s cpu, RSS ${r.max_rss_mb} MB`, target: 'info', result: r.stored === r.rows ? 'info' : 'FAIL' });
  }
  for (const format of ['csv', 'json', 'jsonl']) {
    const r = child('export-child.js', [String(EXPORT_ROWS), format], ['--expose-gc', '--optimize-for-size']);
    const added = r.peak_mb - r.baseline_mb;
    lines.push({ bench: `export ${r.streams} plays as ${format} (${(r.bytes / 1e6).toFixed(0)} MB), streamed`, n: 1,
      p50: `${Math.round(r.streams / (r.ms / 1000))} rows/s wall`, p95: `${Math.round(r.streams / (r.cpu_ms / 1000))} rows/s cpu, RSS +${added.toFixed(1)} MB`,
      target: format === 'csv' ? 'RSS added <= 30 MB' : 'info', result: format === 'csv' ? (added <= 30 ? 'PASS' : 'FAIL') : 'info' });
  }
  const scenarios: [string, LbFault | null][] = [['no fault', null], ['one 500 first (back-off 5 s)', { status: 500 }],
    ['one timeout first (2 s + back-off 5 s)', { delayMs: 2500, store: false }], ['one 429 first (Reset-In 1 s)', { status: 429, resetInS: 1 }]];
  for (const [label, fault] of scenarios) {
    const times = await outboxLatency(fault, fault ? 3 : 20);
    lines.push({ bench: `scrobble outbox: play recorded → stored at the server, ${label}`, n: times.length, p50: `${pct(times, 50).toFixed(0)} ms`,
      p95: `${pct(times, 95).toFixed(0)} ms`, target: 'info', result: 'info' });
  }
  return lines;
}
