/**
 * A Vibescope process for the outbox kill test: opens the data folder, starts the scrobbler against
 * the fake ListenBrainz, and records plays 0…N-1 (each an identical record on every run, so a play
 * recorded before a kill is a known record the next time), a few at a time. Prints "recorded <n>"
 * lines. Usage: outbox-child.ts DATA_DIR FAKE_URL N
 */
import { openCore } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { createScrobble } from '../../src/scrobble/index.js';
import { stream } from '../support/core.js';

const [dataDir, url, n] = process.argv.slice(2);
const total = Number(n);
const log = createLogger('warn');
const core = await openCore({ dataDir: dataDir!, timeZone: 'UTC', log });
const scrobble = createScrobble({ options: { scrobble_url: url, scrobble_token: 'token-rob', scrobble_backfill: false, listenbrainz_api_url: url!,
  listenbrainz_poll_interval_s: 3600, http_timeout_s: 2 }, store: core.store, ingest: core.ingest, bus: core.bus, log, accounts: ['default'],
version: 'test', backoffBaseMs: 50 });
await scrobble.start();
const T0 = Date.UTC(2026, 0, 1, 8);
for (let i = 0; i < total; i += 3) {
  const batch = [];
  for (let j = i; j < Math.min(total, i + 3); j++) batch.push(stream(j, T0 + j * 240_000, { ms_played: 200_000 }));
  await core.ingest.record(batch);
  process.stdout.write(`recorded ${Math.min(total, i + 3)}\n`);
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write('all recorded\n');
