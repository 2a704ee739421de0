/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { startFakeListenBrainz, type FakeListenBrainz } from '../support/fake-listenbrainz.js';
import { EXTENDED_DIR, FIXTURES } from '../support/fixtures.js';
import { tempDir } from '../support/helpers.js';
import { launchBrowser, newPage, shoot, startPanel, textOf, watch, type PanelServer } from './harness.js';

type Row = Record<string, any>;
const HISTORY = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
const rows = JSON.parse(readFileSync(HISTORY, 'utf8')) as Row[];
const isPlay = (r: Row) => r.spotify_track_uri && r.ms_played >= 30_000;
const fmt = (n: number) => new Intl.NumberFormat('en-GB').format(n);
/** October 2024 in Europe/Berlin (CEST until the 27th, CET after): Spotify's `ts` is when a stream ended. */
const OCTOBER = { range: 'c:2024-10-01:2024-10-31', from: '2024-09-30T22:00:00Z', to: '2024-10-31T23:00:00Z' };
const inOctober = (r: Row) => r.ts >= OCTOBER.from && r.ts < OCTOBER.to;

describe('panel: Data (exports, playlists, backup, scrobbling) and the import of other formats, through the ingress path', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: PanelServer;
  let lb: FakeListenBrainz;
  let music: Awaited<ReturnType<typeof tempDir>>;
  let context: BrowserContext;
  let page: Page;
  let w: ReturnType<typeof watch>;
  /** The two tracks played most in the export, by a direct pass: a music file is made for each. */
  const top2 = (() => {
    const counts = new Map<string, { artist: string; title: string; n: number }>();
    for (const r of rows.filter(isPlay)) {
      const k = r.spotify_track_uri;
      counts.set(k, { artist: r.master_metadata_album_artist_name, title: r.master_metadata_track_name, n: (counts.get(k)?.n ?? 0) + 1 });
    }
    return { songs: [...counts.values()].sort((a, b) => b.n - a.n).slice(0, 2), distinct: counts.size };
  })();
  const api = async (p: string) => (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/${p}`)).json() as Promise<any>;

  before(async () => {
    lb = await startFakeListenBrainz({ tokens: { 'token-rob': 'rob' } });
    music = await tempDir('vibescope-music-');
    top2.songs.forEach((song, i) => {
      const res = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${330 * (i + 1)}:duration=6`, '-metadata', `artist=${song.artist}`,
        '-metadata', `title=${song.title}`, path.join(music.dir, `${i}.flac`)]);
      if (res.status !== 0) throw new Error('ffmpeg is needed (apt-get install -y ffmpeg)');
    });
    // A token the fake ListenBrainz does not know: the first send gets its 401.
    server = await startPanel({ imports: [{ files: [HISTORY], account: 'default' }],
      options: { library_paths: [music.dir], scrobble_url: lb.url, scrobble_token: 'an-expired-token' } });
    await server.app.library.scan();
    await server.app.library.scan();
    if (server.app.library.status().matched < 2) throw new Error('the music files did not match the history');
    browser = await launchBrowser();
    ({ context, page } = await newPage(browser));
    w = watch(page, server.origin);
  });
  after(async () => { await context?.close(); await browser?.close(); await server?.close(); await lb?.close(); await music?.remove(); });

  /** Clicks and returns the download it starts (the page must stay where it is). */
  async function download(testid: string): Promise<{ file: Download; body: Buffer }> {
    const before = page.url();
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
    const body = readFileSync((await file.path())!);
    expect(page.url(), 'a download never navigates away').to.equal(before);
    return { file, body };
  }

  it('exports the range as CSV through the ingress path: one row per stream of /stats/summary, counted independently', async () => {
    await page.goto(`${server.url}#/data?range=${OCTOBER.range}`);
    await page.getByTestId('export-count').waitFor();
    const summary = await api(`stats/summary?account=default&from=${Date.parse(OCTOBER.from)}&to=${Date.parse(OCTOBER.to) - 1}`);
    // summary's streams are music streams; the export also holds the podcast episodes of the range.
    const music = rows.filter((r) => inOctober(r) && r.spotify_track_uri).length;
    expect(summary.streams).to.equal(music, 'the server counts October\'s music streams as the export does');
    expect(await textOf(page, '[data-testid=export-count]')).to.equal(`${fmt(rows.filter(inOctober).length)} streams in 1 Oct 2024 – 31 Oct 2024`);
    const { file, body } = await download('export-csv');
    expect(new URL(file.url()).pathname).to.equal('/api/hassio_ingress/Xk3_test-token/api/v1/exports/streams.csv');
    expect(file.suggestedFilename()).to.match(/^vibescope-streams-default-\d{4}-\d{2}-\d{2}\.csv$/);
    const records = parse(body, { columns: true, bom: true }) as Record<string, string>[];
    expect(records).to.have.length(rows.filter(inOctober).length);
    expect(records.filter((r) => r.content === 'track'), 'one music row per stream of /stats/summary').to.have.length(summary.streams);
    expect(records.filter((r) => r.kind === 'play')).to.have.length(rows.filter((r) => inOctober(r) && isPlay(r)).length);
    expect(records.every((r) => Number(r.ended_at) >= Date.parse(OCTOBER.from) && Number(r.ended_at) < Date.parse(OCTOBER.to))).to.equal(true);
    // ListenBrainz JSONL: the plays only, one listen a line.
    await page.getByTestId('export-kind').selectOption('play');
    await page.getByTestId('export-count').filter({ hasText: `${fmt(summary.plays)} plays` }).waitFor();
    const jsonl = await download('export-jsonl');
    const listens = jsonl.body.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(listens).to.have.length(summary.plays);
    expect(listens[0]).to.have.nested.property('track_metadata.artist_name');
  });

  it('saves an M3U8 of the top tracks and says how many had no local file', async () => {
    await page.goto(`${server.url}#/data?range=all`);
    const { body } = await download('playlist-top');
    const entries = body.toString('utf8').split('\n').filter((l) => l.startsWith('#EXTINF'));
    expect(entries).to.have.length(2);
    expect(entries.map((e) => e.replace(/^#EXTINF:\d+,/, ''))).to.have.members(top2.songs.map((s) => `${s.artist} - ${s.title}`));
    const missing = Math.min(50, top2.distinct) - 2;
    expect(await textOf(page, '[data-testid=playlist-message]')).to.match(new RegExp(`with 2 tracks\\. ${missing} tracks have no matched music file and were left out\\.$`));
  });

  it('downloads a backup: a gzip whose archive starts with the tar magic', async () => {
    const { file, body } = await download('backup-start');
    expect(file.suggestedFilename()).to.match(/^vibescope-backup-\d{4}-\d{2}-\d{2}\.tar\.gz$/);
    expect([...body.subarray(0, 2)], 'gzip magic').to.deep.equal([0x1f, 0x8b]);
    const tar = gunzipSync(body);
    expect(tar.subarray(257, 262).toString('latin1'), 'ustar at offset 257').to.equal('ustar');
    await page.getByTestId('backup-message').filter({ hasText: /^Saved vibescope-backup-.*\.tar\.gz \(\d/ }).waitFor();
  });

  it('sends the history to the scrobble server and shows needs_token, with where to set a new one, after its 401', async () => {
    await page.goto(`${server.url}#/data?range=${OCTOBER.range}`);
    const card = page.getByTestId('scrobble');
    await card.waitFor();
    expect(await card.getAttribute('data-state')).to.equal('idle');
    expect(await textOf(page, '[data-testid=scrobble-state]')).to.equal(`Every play is sent to ${new URL(lb.url).host}.`);
    await page.getByTestId('scrobble-backfill').click();
    await page.getByTestId('scrobble-send').click();
    await page.locator('[data-testid=scrobble][data-state=needs_token]').waitFor();
    expect(await textOf(page, '[data-testid=scrobble-state]')).to.equal(`${new URL(lb.url).host} refused the token, so plays wait in the outbox and are not sent `
      + '(nothing is lost). Paste a new token into scrobble_token in vibescope.yaml or in the environment as VIBESCOPE_SCROBBLE_TOKEN and restart Vibescope.');
    expect(lb.submissions.map((s) => s.status), 'one try, refused').to.deep.equal([401]);
    // Scrobble-worthy: >= 30 s (these tracks have no known length, so the half-length rule does not apply).
    expect(await textOf(page, '[data-testid=scrobble-backfill-pending]')).to.equal(fmt(rows.filter((r) => inOctober(r) && isPlay(r)).length));
    await shoot(page, 'data');
  });

  it('lists the formats the import takes and names the format it read each file as', async () => {
    await page.goto(`${server.url}#/settings`);
    expect(await page.getByTestId('import-formats').locator('li').count()).to.equal(7);
    await page.getByTestId('import-files').setInputFiles([path.join(FIXTURES, 'listenbrainz', '.scrobbler.log'),
      path.join(FIXTURES, 'listenbrainz', 'listenbrainz_listens.jsonl'), path.join(FIXTURES, 'listenbrainz', 'librefm.csv')]);
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-result').waitFor({ timeout: 30_000 });
    const report = page.getByTestId('import-files-report');
    const formatOf = async (file: string) => textOf(page, `[data-testid=import-files-report] li:has(b:text-is("${file}")) [data-testid=import-format]`);
    expect(await formatOf('.scrobbler.log')).to.equal('Read as: Rockbox .scrobbler.log');
    expect(await formatOf('listenbrainz_listens.jsonl')).to.equal('Read as: ListenBrainz export');
    expect(await formatOf('librefm.csv')).to.equal('Read as: Libre.fm / Last.fm CSV');
    expect(await report.locator('li').count()).to.equal(3);
    await shoot(page, 'settings-import', [390]);
  });

  it('had no console errors, no failed requests, and contacted nothing but Vibescope', () => {
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    expect(w.outside, w.outside.join('\n')).to.deep.equal([]);
  });
});
