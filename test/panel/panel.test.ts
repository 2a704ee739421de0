/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { openTokenStore } from '../../src/spotify/index.js';
import { startFakeSpotify, playerState, trackObject, type FakeSpotify } from '../support/fake-spotify.js';
import { startIngressProxy } from '../support/ingress-proxy.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { quietLogger, tempDir } from '../support/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/eL9+VQAAAABJRU5ErkJggg==', 'base64');

describe('panel: the real server behind an ingress proxy, in headless Chromium', function () {
  this.timeout(120_000);
  let fake: FakeSpotify;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let app: Vibescope;
  let proxy: Awaited<ReturnType<typeof startIngressProxy>>;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const failed: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it)`);
    if (!existsSync(path.join(ROOT, 'frontend', 'dist', 'index.html'))) throw new Error('the panel is not built: npm test builds it (node frontend/build.mjs)');
    mkdirSync(OUT, { recursive: true });
    fake = await startFakeSpotify();
    tmp = await tempDir();
    const tokens = await openTokenStore(tmp.dir);
    const g = fake.grant();
    await tokens.updateAccount('default', { tokens: { access_token: g.access_token, refresh_token: g.refresh_token, expires_at: Date.now() + 3_600_000, scope: '' } });
    // A small music library whose files match tracks of the imported history (for the Mood page).
    const history = JSON.parse(readFileSync(path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json'), 'utf8')) as any[];
    const counts = new Map<string, { artist: string; title: string; n: number }>();
    for (const r of history) if (r.spotify_track_uri && r.ms_played >= 30000) {
      const k = `${r.master_metadata_album_artist_name}|${r.master_metadata_track_name}`;
      counts.set(k, { artist: r.master_metadata_album_artist_name, title: r.master_metadata_track_name, n: (counts.get(k)?.n ?? 0) + 1 });
    }
    const music = path.join(tmp.dir, 'music');
    mkdirSync(music, { recursive: true });
    [...counts.values()].sort((a, b) => b.n - a.n).slice(0, 3).forEach((song, i) => {
      const res = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${220 * (i + 1)}:duration=8`, '-metadata', `artist=${song.artist}`,
        '-metadata', `title=${song.title}`, path.join(music, `${i}.flac`)]);
      if (res.status !== 0) throw new Error('ffmpeg is needed (apt-get install -y ffmpeg)');
    });
    app = await startVibescope({ config: parseConfig({ data_dir: tmp.dir, metadata_enrichment: false, client_id: 'x', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl,
      history_poll_interval_s: 600, player_poll_interval_s: 120, library_paths: [music] }), addon: false, log: quietLogger(), version: 'test', port: 0, env: {} });
    await app.importer.importPaths([path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json')], { account: 'default' });
    await app.library.scan();
    const scan = await app.library.scan();
    if (app.library.status().matched < 3) throw new Error(`library files did not match the history: ${JSON.stringify(scan)}`);
    proxy = await startIngressProxy(app.port);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: PNG }));
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.url()} ${r.status()}`); });
  });
  after(async () => { await browser?.close(); await proxy?.close(); await app?.stop(); await fake?.close(); await tmp?.remove(); });

  async function shoot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(OUT, `${name}-1280.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(OUT, `${name}-390.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('serves every asset and API call relative to the ingress path and renders Now with data', async () => {
    await page.goto(proxy.url);
    await page.getByTestId('recent').locator('li').first().waitFor();
    expect(await page.getByTestId('recent').locator('li').count()).to.be.greaterThan(5);
    await shoot('now');
  });

  it('shows a skip driven through the fake Spotify on Now without a reload', async () => {
    const before = Number(await page.getByTestId('today-skips').textContent());
    fake.state.player = playerState(trackObject(901, 200_000, '<img src=x onerror="window.__xss=1">'), 2_000);
    await app.spotify.syncNow('default');
    await page.getByTestId('now-title').filter({ hasText: '<img src=x' }).waitFor();
    fake.state.player = playerState(trackObject(902, 200_000, 'Right after the skip'), 1_000);
    await app.spotify.syncNow('default');
    await page.getByTestId('now-title').filter({ hasText: 'Right after the skip' }).waitFor();
    await page.getByTestId('recent').locator('li.skip', { hasText: '<img src=x' }).waitFor();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=today-skips]')?.textContent) === n + 1, before);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).to.equal(undefined, 'titles are text, never HTML');
  });

  it('renders Overview with tiles and a chart', async () => {
    await page.goto(`${proxy.url}#/overview`);
    await page.getByRole('button', { name: /All time|Gesamt/ }).click();
    await page.getByTestId('overview-tiles').locator('.tile').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.getByTestId('overview-tiles').locator('.tile').count()).to.equal(6);
    await shoot('overview');
  });

  it('renders History (day-grouped, filterable, paged), Top, Patterns and Skips with data', async () => {
    await page.goto(`${proxy.url}#/history`);
    await page.getByTestId('history').locator('li').first().waitFor();
    const first = await page.getByTestId('history').locator('li').count();
    expect(first).to.equal(100);
    await page.getByTestId('more').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=history] li').length > 100);
    await shoot('history');
    await page.getByRole('combobox').selectOption('skip');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=history] li')].every((li) => li.classList.contains('skip')));
    await page.getByRole('button', { name: /^(Table|Tabelle)$/ }).click();
    await page.getByTestId('history-table').locator('tbody tr').first().waitFor();
    await page.getByLabel(/^(From|Von)$/).fill('2024-10-01');
    await page.getByLabel(/^(To|Bis)$/).fill('2024-10-31');
    await page.waitForFunction(() => { const cells = [...document.querySelectorAll('[data-testid=history-table] tbody tr td:first-child')];
      return cells.length > 0 && cells.every((c) => /Oct|Okt/.test(c.textContent ?? '')); });

    await page.goto(`${proxy.url}#/top`);
    await page.getByRole('button', { name: /All time|Gesamt/ }).click();
    await page.getByTestId('top').locator('li').nth(9).waitFor();
    await page.getByRole('button', { name: /Artists|Künstler/ }).click();
    await page.getByTestId('top').locator('li', { hasText: 'Taylor Swift' }).first().waitFor();
    await shoot('top');

    await page.goto(`${proxy.url}#/patterns`);
    await page.getByRole('button', { name: /All time|Gesamt/ }).click();
    await page.getByTestId('heatmap').waitFor();
    await page.getByTestId('sessions').waitFor();
    expect(await page.getByTestId('heatmap').locator('td').count()).to.equal(7 * 24);
    await shoot('patterns');

    await page.goto(`${proxy.url}#/skips`);
    await page.getByRole('button', { name: /All time|Gesamt/ }).click();
    await page.getByTestId('skips.tracks').locator('li').first().waitFor();
    expect(await page.getByTestId('skip-heatmap').locator('td').count()).to.equal(7 * 24);
    await shoot('skips');
  });

  it('renders Mood from the analysed library files matched to the history', async () => {
    await page.goto(`${proxy.url}#/mood`);
    await page.getByTestId('radar').waitFor();
    expect(await page.locator('[data-testid=radar] polygon.week, [data-testid=radar] polygon.baseline').count()).to.be.at.least(1);
    await page.getByTestId('outliers').locator('li').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.chart .u-legend .u-series').count()).to.equal(5, 'time + energy, valence, danceability, tempo');
    await shoot('mood');
  });

  it('imports an export through Settings with the per-file result', async () => {
    await page.goto(`${proxy.url}#/settings`);
    await page.getByTestId('library').waitFor();
    expect(await page.getByTestId('library').textContent()).to.match(/3 analysed, 3 matched/);
    await page.getByTestId('import-files').setInputFiles(path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json'));
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-result').waitFor();
    expect(await page.getByTestId('import-result').textContent()).to.match(/^16 /);
    expect(await page.getByTestId('import-files-report').locator('li').first().textContent()).to.match(/16 stored/);
    await shoot('settings');
  });

  it('keeps the panel small: total JS <= 120 KB gzipped', () => {
    const build = JSON.parse(readFileSync(path.join(ROOT, 'frontend', 'dist', 'build.json'), 'utf8'));
    expect(build.js_gzip_bytes).to.be.at.most(120 * 1024);
  });

  it('had no console errors and no failed requests', () => {
    expect(consoleErrors, consoleErrors.join('\n')).to.deep.equal([]);
    expect(failed, failed.join('\n')).to.deep.equal([]);
  });
});
