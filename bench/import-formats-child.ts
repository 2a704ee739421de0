/**
 * Import speed per listen format: writes N listens in one format (made from one pool of tracks, 4 min
 * apart: one long session), imports the file into a fresh data folder through the real importer, and prints one
 * JSON line: format, rows, stored, ms (wall), cpu_ms, bytes. Usage: import-formats-child.js DIR FORMAT N
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openCore } from '../src/core.js';
import { createLogger } from '../src/log.js';

const [dir, format, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 50_000);
const start = Math.floor(Date.UTC(2024, 0, 1) / 1000);
const item = (i: number) => ({ at: start - i * 240, artist: `Artist ${i % 700}`, title: `Track ${i % 5000}`, album: `Album ${i % 1200}`, length: 180 + (i % 120) });
const lines: string[] = [];
let file = path.join(dir!, `listens.${format}`);
switch (format) {
  case 'listenbrainz':
    for (let i = 0; i < n; i++) {
      const x = item(i);
      lines.push(JSON.stringify({ listened_at: x.at, track_metadata: { artist_name: x.artist, track_name: x.title, release_name: x.album,
        additional_info: { duration_ms: x.length * 1000, submission_client: 'Jellyfin' } } }));
    }
    break;
  case 'panoscrobbler':
    for (let i = 0; i < n; i++) {
      const x = item(i);
      lines.push(JSON.stringify({ timeMs: x.at * 1000, artist: x.artist, track: x.title, album: x.album, durationMs: x.length * 1000, event: 'scrobble' }));
    }
    break;
  case 'maloja': {
    const scrobbles = Array.from({ length: n }, (_, i) => { const x = item(i); return { time: x.at, track: { artists: [x.artist], title: x.title, album: { albumtitle: x.album }, length: x.length }, duration: x.length }; });
    lines.push(JSON.stringify({ maloja: { export_time: start }, scrobbles }));
    break;
  }
  case 'scrobbler-log':
    lines.push('#AUDIOSCROBBLER/1.1', '#TZ/UTC', '#CLIENT/Rockbox bench');
    for (let i = 0; i < n; i++) { const x = item(i); lines.push([x.artist, x.album, x.title, '1', String(x.length), 'L', String(x.at), ''].join('\t')); }
    file = path.join(dir!, '.scrobbler.log');
    break;
  case 'lastfm-csv':
    lines.push('Artist,Track,Album,Time');
    for (let i = 0; i < n; i++) { const x = item(i); lines.push(`"${x.artist}","${x.title}","${x.album}",${x.at}`); }
    break;
  case 'endsong': {
    const rows = Array.from({ length: n }, (_, i) => { const x = item(i); return { ts: new Date(x.at * 1000).toISOString().replace('.000', ''), ms_played: x.length * 1000,
      spotify_track_uri: `spotify:track:${String(i % 5000).padStart(22, '0')}`, master_metadata_track_name: x.title, master_metadata_album_artist_name: x.artist,
      master_metadata_album_album_name: x.album, reason_start: 'trackdone', reason_end: 'trackdone', skipped: false, username: '', ip_addr_decrypted: '' }; });
    lines.push(JSON.stringify(rows));
    file = path.join(dir!, 'endsong_0.json');
    break;
  }
  default: throw new Error(`unknown format ${format}`);
}
const text = `${lines.join('\n')}\n`;
writeFileSync(file, text);
const core = await openCore({ dataDir: path.join(dir!, 'data'), timeZone: 'UTC', log: createLogger('warn') });
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const report = await core.importer.importPaths([file], { account: 'default' });
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
await core.close();
console.log(JSON.stringify({ format, rows: report.totals.rows_read, stored: report.totals.streams_stored, ms: Math.round(ms),
  cpu_ms: Math.round((cpu.user + cpu.system) / 1000), bytes: Buffer.byteLength(text), max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
