/**
 * One simulated day at 250k plays: 110 new plays, each recorded by its own poll (journal append +
 * fdatasync), then the daily compaction. Prints the bytes the process wrote (/proc/self/io
 * write_bytes: what reached the block layer) and the logical journal + snapshot bytes.
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '../src/log.js';
import { openCore } from '../src/core.js';

function ioWrites(): number {
  const line = readFileSync('/proc/self/io', 'utf8').split('\n').find((l) => l.startsWith('write_bytes:'));
  return Number(line?.split(':')[1] ?? 0);
}
const [dataDir] = process.argv.slice(2);
const log = createLogger('warn');
const { store, ingest } = await openCore({ dataDir: dataDir!, timeZone: 'Europe/Berlin', log });
const before = ioWrites();
const day = Date.UTC(2026, 10, 20);
for (let i = 0; i < 110; i++) {
  await ingest.record([{ account: 'default', source: 'poll', ended_at: day + i * 240_000, ms_played: 200_000,
    track: { uri: `spotify:track:bench${i % 40}`, name: `Bench ${i % 40}`, content: 'track', duration_ms: 200_000, isrc: null,
      artists: [{ spotify_id: `benchartist${i % 9}`, name: `Bench Artist ${i % 9}` }],
      album: { spotify_id: `benchalbum${i % 12}`, name: `Bench Album ${i % 12}`, image_url: 'https://i.scdn.co/image/x' } } }]);
}
const info = await store.info();
await store.exclusive(() => store.compactNow('daily'));
const after = await store.info();
const written = ioWrites() - before;
await store.close();
console.log(JSON.stringify({ io_write_bytes: written, journal_bytes: info.journal_bytes_written, snapshot_bytes: after.snapshot_bytes }));
