import { expect } from 'chai';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { createExports } from '../../src/exports/index.js';
import { buildCore, stream } from '../support/core.js';
import { EXTENDED_DIR, ACCOUNT_DIR } from '../support/fixtures.js';
import { quietLogger, tempDir } from '../support/helpers.js';
import { validateListen } from '../support/listenbrainz-rules.js';

/** Expected totals of the real history, by a separate simple pass over the JSON (PRODUCT.md definitions). */
function expectedHistory() {
  const rows = readdirSync(EXTENDED_DIR).filter((f) => f.endsWith('.json')).flatMap((f) => JSON.parse(readFileSync(path.join(EXTENDED_DIR, f), 'utf8')) as any[]);
  let plays = 0; let skips = 0; let ms = 0; let music = 0;
  for (const r of rows) {
    if (!r.spotify_track_uri) continue;
    music++; ms += r.ms_played;
    if (r.ms_played >= 30_000) plays++;
    else if (r.skipped === true || r.reason_end === 'fwdbtn' || r.reason_end === 'backbtn') skips++;
  }
  const playMs = rows.filter((r) => r.spotify_track_uri && r.ms_played >= 30_000).reduce((a, r) => a + r.ms_played, 0);
  return { rows: rows.length, music, plays, skips, ms, playMs };
}

describe('exports: CSV, JSON and ListenBrainz JSONL of the real history, and back', function () {
  this.timeout(120_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let source: Awaited<ReturnType<typeof buildCore>>;
  const expected = expectedHistory();
  before(async () => {
    tmp = await tempDir();
    source = await buildCore();
    const report = await source.importer.importPaths([EXTENDED_DIR], { account: 'default' });
    expect(report.totals.streams_stored).to.equal(expected.rows);
  });
  after(async () => { await source.close(); await tmp.remove(); });

  async function exportTo(format: 'csv' | 'json' | 'jsonl', query = { from: 0, to: Date.now() }): Promise<string> {
    const file = path.join(tmp.dir, `export-${format}-${Math.random().toString(16).slice(2)}.${format}`);
    const out = createWriteStream(file);
    const result = await createExports({ store: source.store, version: 'test' }).writeStreams(format, query, out);
    out.end();
    await finished(out);
    expect(result.complete).to.equal(true);
    return file;
  }

  for (const format of ['csv', 'json'] as const) {
    it(`a ${format.toUpperCase()} export imported into an empty Vibescope gives back the same streams, plays, skips and listening time`, async () => {
      const file = await exportTo(format);
      const fresh = await buildCore();
      try {
        const report = await fresh.importer.importPaths([file], { account: 'default' });
        expect(report.files[0]!.format).to.equal('vibescope');
        expect(report.totals.rows_rejected).to.equal(0);
        const summary = fresh.stats.summary({ from: 0, to: Date.now() });
        expect(summary).to.deep.include({ plays: expected.plays, skips: expected.skips, listening_ms: expected.ms, streams: expected.music });
        expect(fresh.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n).to.equal(expected.rows);
        expect(summary).to.deep.equal(source.stats.summary({ from: 0, to: Date.now() }));
      } finally { await fresh.close(); }
    });
  }

  it('a ListenBrainz JSONL export holds every play as a listen ListenBrainz accepts, and gives back the plays and their listening time', async () => {
    const file = await exportTo('jsonl');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).to.have.length(expected.plays);
    for (const line of lines) expect(validateListen(JSON.parse(line), 'import'), line).to.equal(null);
    const fresh = await buildCore();
    try {
      await fresh.importer.importPaths([file], { account: 'default' });
      const summary = fresh.stats.summary({ from: 0, to: Date.now() });
      expect(summary.plays).to.equal(expected.plays);
      expect(summary.listening_ms).to.equal(expected.playMs);
      // Importing it back next to the original merges every listen into its Spotify stream.
      const merged = await source.importer.importPaths([file], { account: 'default' });
      expect(merged.totals.streams_stored).to.equal(0);
      expect(merged.totals.merged_duplicates).to.equal(expected.plays);
    } finally { await fresh.close(); }
  });

  it('writes RFC 4180 CSV that a CSV parser reads back field for field (commas, quotes, line breaks in names)', async () => {
    const core = await buildCore();
    try {
      const odd = 'He said "hi", then\nleft';
      await core.ingest.applyImported([stream(1, Date.UTC(2024, 0, 1, 12), { source: 'import-extended', track: { ...stream(1, 0).track, name: odd } })]);
      const chunks: Buffer[] = [];
      const sinkStream = new (await import('node:stream')).PassThrough();
      sinkStream.on('data', (c: Buffer) => chunks.push(c));
      await createExports({ store: core.store }).writeStreams('csv', { from: 0, to: Date.now() }, sinkStream);
      const records = parseCsv(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Record<string, string>[];
      expect(records).to.have.length(1);
      expect(records[0]!.track_name).to.equal(odd);
      expect(records[0]!.ended_at).to.equal(String(Date.UTC(2024, 0, 1, 12)));
      expect(records[0]!.ended_at_utc).to.equal('2024-01-01T12:00:00.000Z');
      expect(records[0]!.sources).to.equal('import-extended');
    } finally { await core.close(); }
  });

  it('filters by range, kind and account', async () => {
    const core = await buildCore();
    try {
      await core.importer.importPaths([path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json')], { account: 'anna' });
      await core.importer.importPaths([path.join(ACCOUNT_DIR, 'erin_StreamingHistory_music_1.json')], { account: 'ben' });
      const rows = JSON.parse(readFileSync(path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json'), 'utf8')) as any[];
      const from = Date.parse('2024-10-01T00:00:00Z'); const to = Date.parse('2024-10-31T23:59:59Z');
      const inRange = rows.filter((r) => Date.parse(r.ts) >= from && Date.parse(r.ts) <= to);
      const text = async (query: Parameters<ReturnType<typeof createExports>['writeStreams']>[1]) => {
        const chunks: Buffer[] = [];
        const s = new (await import('node:stream')).PassThrough();
        s.on('data', (c: Buffer) => chunks.push(c));
        await createExports({ store: core.store }).writeStreams('csv', query, s);
        return parseCsv(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Record<string, string>[];
      };
      const anna = await text({ from, to, account: 'anna' });
      expect(anna).to.have.length(inRange.length);
      expect(new Set(anna.map((r) => r.account))).to.deep.equal(new Set(['anna']));
      const plays = await text({ from, to, account: 'anna', kind: 'play' });
      expect(plays).to.have.length(inRange.filter((r) => r.spotify_track_uri && r.ms_played >= 30_000).length);
      const nobody = await text({ from: 0, to: Date.now(), account: 'carl' });
      expect(nobody).to.have.length(0);
    } finally { await core.close(); }
  });
});

describe('exports: REST downloads and M3U8 playlists of local files', function () {
  this.timeout(60_000);
  let app: Vibescope;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let base: string;
  const file = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
  const rows = JSON.parse(readFileSync(file, 'utf8')) as any[];
  before(async () => {
    tmp = await tempDir();
    app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, timezone: 'UTC' }), addon: false, log: quietLogger(), version: 'test', port: 0 });
    base = `http://127.0.0.1:${app.port}/api/v1`;
    await app.importer.importPaths([file], { account: 'default' });
  });
  after(async () => { await app.stop(); await tmp.remove(); });

  it('GET /exports/streams.csv streams every stream of the range as an attachment', async () => {
    const res = await fetch(`${base}/exports/streams.csv?from=2024-10-01&to=2024-10-31`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/csv/);
    expect(res.headers.get('content-disposition')).to.match(/attachment; filename="?vibescope-streams-all-\d{4}-\d{2}-\d{2}\.csv"?$/);
    const records = parseCsv(await res.text(), { columns: true }) as Record<string, string>[];
    const from = Date.parse('2024-10-01T00:00:00Z'); const to = Date.parse('2024-11-01T00:00:00Z');
    expect(records).to.have.length(rows.filter((r) => Date.parse(r.ts) >= from && Date.parse(r.ts) < to).length);
  });

  it('answers a bad format, a bad date and an unknown account with 400 and a sentence', async () => {
    for (const q of ['/exports/streams.xml', '/exports/streams.csv?from=2024-02-30', '/exports/streams.json?account=nobody']) {
      const res = await fetch(`${base}${q}`);
      expect(res.status, q).to.equal(400);
      expect(((await res.json()) as any).error.code).to.equal('BAD_PARAM');
    }
  });

  it('GET /exports/top.m3u8 lists the top tracks that have a local file, in rank order, and counts the rest', async () => {
    const top = app.stats.top('tracks', { from: 0, to: Date.now() }, 5, 'plays');
    // Two of the top five have a file in the library (scanned and matched, as src/audio would).
    await app.store.exclusive(() => app.store.transaction(() => {
      for (const [i, t] of [top[0]!, top[2]!].entries()) {
        app.store.library.seen(`/media/music/${i}.flac`, 1000, 1);
        const id = app.store.sql.get<{ id: number }>('SELECT id FROM library_files WHERE path = ?', [`/media/music/${i}.flac`])!.id;
        app.store.library.saveTags(id, { artist: t.artist_name, title: t.name, album: null, isrc: null }, 200_000 + i * 1000, t.id);
      }
    }));
    const res = await fetch(`${base}/exports/top.m3u8?limit=5`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-vibescope-missing-files')).to.equal('3');
    const lines = (await res.text()).split('\n');
    expect(lines[0]).to.equal('#EXTM3U');
    expect(lines.filter((l) => !l.startsWith('#') && l)).to.deep.equal(['/media/music/0.flac', '/media/music/1.flac']);
    expect(lines.find((l) => l.startsWith('#EXTINF'))).to.equal(`#EXTINF:200,${top[0]!.artist_name} - ${top[0]!.name}`);
  });
});
