/**
 * Builds an in-memory store of N plays (a pool of 5 000 tracks, 3 plays an hour back in time), then
 * exports them in FORMAT into a sink that drops the bytes, sampling RSS after every page. Prints one
 * JSON line: streams, bytes, ms (wall), cpu_ms, baseline and peak RSS (MB). Run with --expose-gc (and
 * --optimize-for-size, as the server runs).
 * Usage: export-child.js N [csv|json|jsonl]
 */
import { Writable } from 'node:stream';
import { openCore } from '../src/core.js';
import { createLogger } from '../src/log.js';
import { createExports, type ExportFormat } from '../src/exports/index.js';

const n = Number(process.argv[2] ?? 250_000);
const format = (process.argv[3] ?? 'csv') as ExportFormat;
const core = await openCore({ dataDir: null, timeZone: 'UTC', log: createLogger('warn') });
// Built with SQL, not through ingest (an export reads only these tables): seconds instead of minutes.
const accountId = await core.store.exclusive(() => core.store.transaction(() => core.store.catalog.accountId('default')));
await core.store.exclusive(() => core.store.transaction(() => {
  const sql = core.store.sql;
  sql.exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 699)
    INSERT INTO artists (id, name, name_key) SELECT i + 1, 'Artist ' || i, 'artist ' || i FROM seq`);
  sql.exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 1199)
    INSERT INTO albums (id, name, artist_id, name_key) SELECT i + 1, 'Album ' || i, (i % 700) + 1, 'album ' || i FROM seq`);
  sql.exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 4999)
    INSERT INTO tracks (id, uri, content, name, artist_id, album_id, duration_ms, name_key)
    SELECT i + 1, 'spotify:track:' || printf('%022d', i), 0, 'Track ' || i || ', "live"', (i % 700) + 1, (i % 1200) + 1, 240000, 'track ' || i FROM seq`);
  sql.exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
    INSERT INTO streams (id, account_id, track_id, ended_at, ms_played, kind, content, source, sources, local_day, local_hour, skipped)
    SELECT i + 1, ?, (i % 5000) + 1, ? - i * 1200000, 180000 + (i % 60) * 1000, 1, 0, 4, 4, 0, 0, 0 FROM seq`, [n - 1, accountId, Date.UTC(2025, 0, 1)]);
}));
const gc = (globalThis as { gc?: () => void }).gc;
gc?.(); gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
let bytes = 0;
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) { bytes += chunk.length; peak = Math.max(peak, process.memoryUsage().rss); cb(); },
});
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const result = await createExports({ store: core.store }).writeStreams(format, { from: 0, to: Date.now() }, sink);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
peak = Math.max(peak, process.memoryUsage().rss);
await core.close();
console.log(JSON.stringify({ streams: result.streams, bytes, ms: Math.round(ms), cpu_ms: Math.round((cpu.user + cpu.system) / 1000), baseline_mb: baseline / 2 ** 20, peak_mb: peak / 2 ** 20 }));
