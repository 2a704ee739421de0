/**
 * The enrichment job in a process of its own (for its peak RSS), against the fake servers whose URLs
 * the parent passes. Modes:
 *   resolve LB_URL MB_URL N     — N synthetic distinct tracks in an in-memory store, one play each
 *   data-dir LB_URL MB_URL DIR  — the tracks of an existing data folder; the results are snapshotted there
 * Real pacing (MusicBrainz 1 request/s, ListenBrainz 200 ms and its rate-limit headers). Prints JSON.
 */
import { createLogger } from '../src/log.js';
import { openCore } from '../src/core.js';
import { parseConfig } from '../src/config/index.js';
import { createMetadata } from '../src/metadata/index.js';
import type { IncomingStream } from '../src/types.js';
import { syntheticTracks } from './metadata-tracks.js';

const [mode, lbUrl, mbUrl, arg] = process.argv.slice(2);
const log = createLogger('warn');
const core = await openCore({ dataDir: mode === 'data-dir' ? arg! : null, timeZone: 'Europe/Berlin', log });
if (mode === 'resolve') {
  const t0 = Date.UTC(2025, 0, 1);
  const records: IncomingStream[] = syntheticTracks(Number(arg)).map((t, i) => ({ account: 'default', source: 'import-extended', ended_at: t0 + i * 240_000,
    ms_played: 200_000, track: { uri: `spotify:track:bench${i}`, name: t.title, content: 'track', duration_ms: null, isrc: null,
      artists: [{ spotify_id: null, name: t.artist }], album: { spotify_id: null, name: t.album!, image_url: null } } }));
  await core.ingest.applyImported(records);
}
const config = parseConfig({ listenbrainz_token: 'lb-test-token', listenbrainz_api_url: lbUrl, musicbrainz_api_url: mbUrl });
const metadata = createMetadata({ store: core.store, bus: core.bus, health: core.health, log, version: '0.1.0', config });
const cpu0 = process.cpuUsage();
const started = performance.now();
metadata.start();
for (;;) {
  const s = metadata.status();
  if (s.queue_length === 0 && s.state === 'idle') break;
  await new Promise((r) => setTimeout(r, 500)); // the status costs a few counts: not asked too often
}
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const status = metadata.status();
await metadata.stop();
await core.close();
console.log(JSON.stringify({ wall_ms: Math.round(wallMs), cpu_ms: Math.round((cpu.user + cpu.system) / 1000), tracks: status.tracks,
  lb: status.services.listenbrainz, mb: status.services.musicbrainz, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
