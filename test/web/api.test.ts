import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { quietLogger, tempDir, waitFor } from '../support/helpers.js';
import { EXTENDED_DIR } from '../support/fixtures.js';

describe('web: REST API /api/v1', function () {
  this.timeout(30_000);
  let app: Vibescope;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let base: string;
  const rows = JSON.parse(readFileSync(path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json'), 'utf8')) as any[];

  before(async () => {
    tmp = await tempDir();
    app = await startVibescope({ config: parseConfig({ data_dir: tmp.dir, timezone: 'Europe/Berlin', metadata_enrichment: false }), addon: false, log: quietLogger(), version: 'test', port: 0 });
    base = `http://127.0.0.1:${app.port}/api/v1`;
    await app.importer.importPaths([path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json')], { account: 'default' });
  });
  after(async () => { await app.stop(); await tmp.remove(); });

  const get = async (p: string) => { const res = await fetch(`${base}${p}`); return { status: res.status, body: await res.json() as any }; };

  it('health says ok with the store state and per-account sync state', async () => {
    const { status, body } = await get('/health');
    expect(status).to.equal(200);
    expect(body.status).to.equal('ok');
    expect(body.accounts[0]).to.include({ account: 'default', connected: false, needs_reconnect: false });
    expect(body.store.totals[0].streams).to.equal(rows.length);
  });

  it('stats/summary matches a direct count, all time and for a range', async () => {
    const music = rows.filter((r) => r.spotify_track_uri);
    const all = await get('/stats/summary');
    expect(all.body.plays).to.equal(music.filter((r) => r.ms_played >= 30000).length);
    expect(all.body.listening_ms).to.equal(music.reduce((a, r) => a + r.ms_played, 0));
    const from = Date.parse('2024-10-01T00:00:00Z'); const to = Date.parse('2024-10-31T23:59:59Z');
    const inRange = music.filter((r) => Date.parse(r.ts) >= from && Date.parse(r.ts) <= to);
    const range = await get('/stats/summary?from=2024-10-01T00:00:00Z&to=2024-10-31T23:59:59Z');
    expect(range.body.plays).to.equal(inRange.filter((r) => r.ms_played >= 30000).length);
    expect(range.body.distinct_tracks).to.equal(new Set(inRange.filter((r) => r.ms_played >= 30000).map((r) => r.spotify_track_uri)).size);
  });

  it('stats/top lists artists by plays the way a direct count does', async () => {
    const counts = new Map<string, number>();
    for (const r of rows) if (r.spotify_track_uri && r.ms_played >= 30000) counts.set(r.master_metadata_album_artist_name, (counts.get(r.master_metadata_album_artist_name) ?? 0) + 1);
    const expected = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const { body } = await get('/stats/top/artists?limit=5');
    expect(body.items[0]).to.include({ rank: 1, name: expected[0], plays: expected[1] });
    const byMs = await get('/stats/top/tracks?limit=3&by=ms&from=2024-09-01&to=2024-12-31');
    expect(byMs.body.items).to.have.length(3);
    expect(byMs.body.items[0].ms_played).to.be.at.least(byMs.body.items[1].ms_played);
  });

  it('heatmap, timeline and sessions add up to the plays', async () => {
    const plays = (await get('/stats/summary')).body.plays;
    const heat = await get('/stats/heatmap');
    expect(heat.body.plays.flat().reduce((a: number, b: number) => a + b, 0)).to.equal(plays);
    const utc = await get('/stats/heatmap?tz=UTC');
    expect(utc.body.plays.flat().reduce((a: number, b: number) => a + b, 0)).to.equal(plays);
    const months = await get('/stats/timeline?bucket=month');
    expect(months.body.buckets.reduce((a: number, b: any) => a + b.plays, 0)).to.equal(plays);
    const sessions = await get('/sessions?limit=5');
    expect(sessions.body.sessions).to.have.length(5);
    expect(sessions.body.count).to.be.greaterThan(10);
    expect(sessions.body.distribution.reduce((a: number, b: any) => a + b.count, 0)).to.equal(sessions.body.count);
    expect(sessions.body.longest.ended_at - sessions.body.longest.started_at).to.be.at.least(sessions.body.average_ms);
  });

  it('discoveries and skips add up to the summary', async () => {
    const all = (await get('/stats/summary')).body;
    const disc = (await get('/stats/discoveries')).body;
    expect(disc.new_tracks).to.equal(all.distinct_tracks);
    expect(disc.new_artists).to.equal(all.distinct_artists);
    expect(disc.months.reduce((a: number, m: any) => a + m.new_tracks, 0)).to.equal(all.distinct_tracks);
    const skips = (await get('/stats/skips?limit=5')).body;
    expect(skips.early_skips + skips.later_skips).to.equal(all.skips);
    const early = rows.filter((r) => r.spotify_track_uri && r.ms_played < 10000 && (r.skipped || r.reason_end === 'fwdbtn' || r.reason_end === 'backbtn')).length;
    expect(skips.early_skips).to.equal(early);
    expect(skips.tracks[0].skips).to.be.at.least(skips.tracks[1].skips);
    const heat = (await get('/stats/heatmap')).body;
    expect(heat.skips.flat().reduce((a: number, b: number) => a + b, 0)).to.equal(all.skips);
  });

  it('pages the listening log with filters', async () => {
    const first = await get('/streams?limit=50&kind=skip');
    expect(first.body.streams).to.have.length(50);
    expect(first.body.streams.every((s: any) => s.kind === 'skip')).to.equal(true);
    const second = await get(`/streams?limit=50&kind=skip&before=${first.body.next}`);
    expect(second.body.streams[0].ended_at).to.be.at.most(first.body.streams.at(-1).ended_at);
    const artist = rows.find((r) => r.spotify_track_uri)!.master_metadata_album_artist_name as string;
    const filtered = await get(`/streams?artist=${encodeURIComponent(artist)}&limit=500`);
    expect(filtered.body.streams.every((s: any) => s.artist_name === artist)).to.equal(true);
    const text = await get(`/streams?q=${encodeURIComponent(artist.slice(0, 4))}&limit=5`);
    expect(text.body.streams.length).to.be.greaterThan(0);
  });

  it('reads REST dates without a zone in the configured zone (Europe/Berlin here); a date-only `to` includes that day', async () => {
    const music = rows.filter((r) => r.spotify_track_uri && r.ms_played >= 30000);
    // 2024-10-05 local (CEST, UTC+2) is [2024-10-04T22:00Z, 2024-10-05T22:00Z).
    const lo = Date.parse('2024-10-04T22:00:00Z'); const hi = Date.parse('2024-10-05T22:00:00Z');
    const expected = music.filter((r) => Date.parse(r.ts) >= lo && Date.parse(r.ts) < hi).length;
    const { body } = await get('/stats/summary?from=2024-10-05&to=2024-10-05');
    expect(body.from).to.equal(lo);
    expect(body.to).to.equal(hi - 1);
    expect(body.plays).to.equal(expected);
    const local = await get('/stats/summary?from=2024-10-05T00:00&to=2024-10-05T23:59:59.999');
    expect(local.body.plays).to.equal(expected);
  });

  it('answers bad parameters with 400 and {error: {code, message}}, never 500', async () => {
    for (const p of ['/stats/summary?from=yesterday', '/stats/summary?from=2024-02-01&to=2024-01-01', '/stats/top/tracks?limit=0',
      '/stats/top/tracks?limit=abc', '/stats/top/tracks?by=vibes', '/stats/heatmap?tz=Mars/Olympus', '/stats/timeline?bucket=hour',
      '/streams?before=xyz', '/streams?kind=maybe', '/stats/summary?from=1&from=2', '/stats/summary?from=2024-02-30',
      '/stats/summary?from=2024-13-01', '/stats/summary?to=2024-01-01T24:00', '/stats/summary?from=2024-01-01T10:60']) {
      const { status, body } = await get(p);
      expect(status, p).to.equal(400);
      expect(body.error.code, p).to.equal('BAD_PARAM');
      expect(body.error.message, p).to.be.a('string').and.not.empty;
    }
    expect((await get('/stats/top/moods')).status).to.equal(404); // genres exist since issue 11 (routes/metadata.ts)
    expect((await get('/nope')).body.error.code).to.equal('NOT_FOUND');
    const bad = await fetch(`${base}/auth/finish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url": ' });
    expect(bad.status).to.equal(400);
    const noClient = await fetch(`${base}/auth/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noClient.status).to.equal(409);
    expect(((await noClient.json()) as any).error.message).to.match(/client ID.*Configuration tab/);
  });

  it('imports an uploaded export (multipart) as a job whose progress can be read', async () => {
    const form = new FormData();
    const file = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json');
    form.append('files', new Blob([readFileSync(file)]), 'Streaming_History_Video_2023.json');
    const res = await fetch(`${base}/imports`, { method: 'POST', body: form });
    expect(res.status).to.equal(202);
    const { job_id } = await res.json() as any;
    const job = await waitFor(async () => { const j = (await get(`/imports/${job_id}`)).body; return j.state !== 'running' ? j : null; }, { what: 'import job' });
    expect(job.state).to.equal('done');
    expect(job.report.totals.streams_stored).to.equal(16);
    const empty = await fetch(`${base}/imports`, { method: 'POST', body: new FormData() });
    expect(empty.status).to.equal(400);
    // A rejected upload (unknown account) and a failed job (not an export) leave no file behind.
    const wrong = new FormData();
    wrong.append('files', new Blob([readFileSync(file)]), 'Streaming_History_Video_2023.json');
    expect((await fetch(`${base}/imports?account=nobody`, { method: 'POST', body: wrong })).status).to.equal(400);
    const junk = new FormData();
    junk.append('files', new Blob(['not json at all']), 'Streaming_History_Audio_2099.json');
    const failed = await (await fetch(`${base}/imports`, { method: 'POST', body: junk })).json() as any;
    const failedJob = await waitFor(async () => { const j = (await get(`/imports/${failed.job_id}`)).body; return j.state !== 'running' ? j : null; }, { what: 'failed job' });
    expect(failedJob.state).to.equal('failed');
    expect(failedJob.report.files[0].file).to.equal('Streaming_History_Audio_2099.json', 'the user\'s own file name, not the upload\'s temp name');
    expect(readdirSync(path.join(tmp.dir, 'uploads'))).to.deep.equal([], 'uploads are removed on every path');
    expect((await get('/imports/unknown')).status).to.equal(404);
  });
});

describe('web: stopping while an import job runs', function () {
  this.timeout(120_000);
  const NAMES = ['efrrowini_Streaming_History_Audio_2024.json', 'mica92_Streaming_History_Audio_2024_4.json', 'efrrowini_Streaming_History_Audio_2026.json'];

  for (const as of ['three JSON files', 'a zip of three']) {
    it(`stop() lets the job finish its file and skip the rest, then returns; a restart has every file reported imported (${as})`, async () => {
      const tmp = await tempDir();
      const start = () => startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir }), addon: false, log: quietLogger(), version: 'test', port: 0 });
      let app: Vibescope | null = await start();
      try {
        let files = NAMES.map((f) => path.join(EXTENDED_DIR, f));
        if (as.includes('zip')) {
          // A zip goes on to its next entry only once the previous entry's stream ended: a skipped entry must be closed, or stop() hangs.
          const zip = path.join(tmp.dir, 'my_spotify_data.zip');
          writeFileSync(zip, zipSync(Object.fromEntries(NAMES.map((f) => [`Spotify Extended Streaming History/${f.replace(/^[a-z0-9]+_/, '')}`, readFileSync(path.join(EXTENDED_DIR, f))]))));
          files = [zip];
        }
        const firstDone = new Promise<void>((resolve) => {
          const off = app!.bus.on('import.progress', 'test', (p) => { if (p.files_done >= 1) { off(); resolve(); } });
        });
        const id = app.importer.startJob(files, 'default');
        await firstDone;
        // What app.stop() does first (it sets the flag at once and is awaited before the store closes).
        const jobsStopped = app.importer.stop();
        await app.stop();
        await jobsStopped;
        const job = app.importer.job(id)!;
        expect(job.progress.state, 'the job ended before stop() resolved').to.not.equal('running');
        expect(app.importer.running()).to.equal(false);
        const report = job.report!;
        expect(report.files).to.have.length(3);
        for (const f of report.files) expect(f.error === null || /Vibescope was stopping\. Import this file again\./.test(f.error), String(f.error)).to.equal(true);
        expect(report.files[0]!.error, 'the file done before the stop').to.equal(null);
        expect(report.files.at(-1)!.error, 'the last file, not begun when the stop came, is named').to.match(/Vibescope was stopping/);
        const imported = report.files.reduce((a, f) => a + f.streams_stored, 0);
        expect(imported).to.be.greaterThan(0);
        // The next file is staged while one is applied: a copy staged ahead of the stop is removed, never left unjournaled.
        const journalDir = path.join(tmp.dir, 'journal');
        const journalText = readdirSync(journalDir).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(path.join(journalDir, f), 'utf8')).join('');
        const staged = existsSync(path.join(journalDir, 'staged')) ? readdirSync(path.join(journalDir, 'staged')) : [];
        for (const f of staged) expect(journalText, `staged copy ${f} is named by a journal line`).to.include(`staged/${f}`);
        app = await start();
        const stored = (app.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams'))!.n;
        expect(stored, 'what the report called imported is there after a restart').to.equal(imported);
      } finally {
        await app?.stop();
        await tmp.remove();
      }
    });
  }
});
