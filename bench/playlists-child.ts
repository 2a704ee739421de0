/**
 * One vibe playlist generation on a data folder (the bench's 250 000 imported plays) against the fake
 * Spotify the parent started: prints wall time, the time spent waiting on Spotify (every Web API call
 * timed), the local compute (the difference) and the peak RSS added by the run (VmHWM after resetting
 * it through /proc/self/clear_refs, minus the RSS before). Usage: playlists-child.js DATA_DIR API_URL ACCOUNTS_URL RUNS
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createLogger } from '../src/log.js';
import { openCore } from '../src/core.js';
import { parseConfig } from '../src/config/index.js';
import { createSpotify, openTokenStore, type PlaylistsApi } from '../src/spotify/index.js';
import { createPlaylists } from '../src/playlists/index.js';

const [dataDir, apiUrl, accountsUrl, runsArg] = process.argv.slice(2);
const log = createLogger('warn');
const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]);

const core = await openCore({ dataDir: dataDir!, timeZone: 'Europe/Berlin', log });
const config = parseConfig({ client_id: 'bench', data_dir: dataDir, spotify_api_url: apiUrl, spotify_accounts_url: accountsUrl, vibe_playlists: true, timezone: 'Europe/Berlin' });
const tokens = await openTokenStore(dataDir!);
const spotify = createSpotify({ config, tokens, ingest: core.ingest, bus: core.bus, log, accounts: ['default'] });

let remoteMs = 0;
const timed = Object.fromEntries(Object.entries(spotify.playlistsApi).map(([name, fn]) => [name, async (...args: unknown[]) => {
  const t = performance.now();
  try { return await (fn as (...a: unknown[]) => Promise<unknown>)(...args); } finally { remoteMs += performance.now() - t; }
}])) as unknown as PlaylistsApi;
const playlists = createPlaylists({ store: core.store, bus: core.bus, health: core.health, log, config, accounts: ['default'],
  spotify: { api: timed, grantedScopes: spotify.grantedScopes }, m3uDir: `${dataDir}/playlists`, searchSpacingMs: 0 });
await playlists.start();

const results: { wall_ms: number; remote_ms: number; local_ms: number; added_mb: number; tracks: number; status: string }[] = [];
for (let i = 0; i < Number(runsArg ?? 3); i++) {
  // Settle the baseline: collect twice around a tick so buffers freed lazily (the snapshot's bytes) are gone first.
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  global.gc?.();
  const before = kb('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS (proc(5))
  remoteMs = 0;
  const t0 = performance.now();
  const { done } = await playlists.generate('default', { trigger: 'cli', dry_run: i > 0 });
  const run = await done;
  const wall = performance.now() - t0;
  results.push({ wall_ms: Math.round(wall), remote_ms: Math.round(remoteMs), local_ms: Math.round(wall - remoteMs),
    added_mb: Math.round(((kb('VmHWM') - before) / 1024) * 10) / 10, tracks: run.tracks.length, status: run.status });
}
const streams = core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;
const tracks = core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM track_stats')!.n;
await playlists.stop();
await spotify.stop();
await core.close();
console.log(JSON.stringify({ streams, distinct_tracks: tracks, runs: results }));
