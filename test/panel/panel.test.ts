/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startFakeSpotify, playerState, trackObject, type FakeSpotify } from '../support/fake-spotify.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { tempDir, waitFor } from '../support/helpers.js';
import { OUT, ROOT, launchBrowser, newPage, shoot, startPanel, textOf, watch, type PanelServer } from './harness.js';

type Row = Record<string, any>;
const HISTORY = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
const rows = JSON.parse(readFileSync(HISTORY, 'utf8')) as Row[];
/** PRODUCT.md: a play is a track stream of >= 30 s; a skip one under 30 s marked skipped or ended by fwdbtn/backbtn. */
const isPlay = (r: Row) => r.spotify_track_uri && r.ms_played >= 30_000;
const isSkip = (r: Row) => r.spotify_track_uri && r.ms_played < 30_000 && (r.skipped === true || ['fwdbtn', 'backbtn'].includes(r.reason_end));
const fmt = (n: number) => new Intl.NumberFormat('en-GB').format(n);

describe('panel: the real server behind an ingress proxy, in headless Chromium', function () {
  this.timeout(180_000);
  let fake: FakeSpotify;
  let server: PanelServer;
  let browser: Browser;
  let page: Page;
  let w: ReturnType<typeof watch>;
  let delayed: RegExp | null = null;
  /** Streams and skips recorded live by the tests so far (on Now). */
  let live = 0;
  let liveSkips = 0;
  let music: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    fake = await startFakeSpotify();
    // A small music library whose files match tracks of the imported history (for the Mood page).
    const counts = new Map<string, { artist: string; title: string; n: number }>();
    for (const r of rows.filter(isPlay)) {
      const k = `${r.master_metadata_album_artist_name}|${r.master_metadata_track_name}`;
      counts.set(k, { artist: r.master_metadata_album_artist_name, title: r.master_metadata_track_name, n: (counts.get(k)?.n ?? 0) + 1 });
    }
    music = await tempDir('vibescope-music-');
    const tmpMusic = music.dir;
    [...counts.values()].sort((a, b) => b.n - a.n).slice(0, 3).forEach((song, i) => {
      const res = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${220 * (i + 1)}:duration=8`, '-metadata', `artist=${song.artist}`,
        '-metadata', `title=${song.title}`, path.join(tmpMusic, `${i}.flac`)]);
      if (res.status !== 0) throw new Error('ffmpeg is needed (apt-get install -y ffmpeg)');
    });
    server = await startPanel({ fake, connect: ['default'], imports: [{ files: [HISTORY], account: 'default' }], options: { library_paths: [tmpMusic] },
      delay: (p) => (delayed?.test(p) ? 1500 : 0) });
    await server.app.library.scan();
    await server.app.library.scan();
    if (server.app.library.status().matched < 3) throw new Error('library files did not match the history');
    browser = await launchBrowser();
    ({ page } = await newPage(browser));
    w = watch(page, server.origin);
  });
  after(async () => { await browser?.close(); await server?.close(); await fake?.close(); await music?.remove(); });

  /** A live track from the fake Spotify whose album images live on the fake (never the internet). */
  const liveTrack = (n: number, name: string) => {
    const t = trackObject(n, 200_000, name);
    t.album = { ...t.album, images: [640, 300, 64].map((px) => ({ url: `${fake.url}/image/live-${n}-${px}`, width: px, height: px })) };
    return t;
  };

  it('renders Now with the recent streams and shows a skip driven through the fake Spotify without a reload, with its art', async () => {
    await page.goto(server.url);
    await page.getByTestId('recent').locator('li').nth(5).waitFor();
    const before = Number(await page.getByTestId('today-skips').locator('b').textContent());
    fake.state.player = playerState(liveTrack(901, '<img src=x onerror="window.__xss=1">'), 2_000);
    await server.app.spotify.syncNow('default');
    await page.getByTestId('now-title').filter({ hasText: '<img src=x' }).waitFor();
    fake.state.player = playerState(liveTrack(902, 'Right after the skip'), 1_000);
    await server.app.spotify.syncNow('default');
    await page.getByTestId('now-title').filter({ hasText: 'Right after the skip' }).waitFor();
    await page.getByTestId('recent').locator('li.skip', { hasText: '<img src=x' }).waitFor();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=today-skips] b')?.textContent) === n + 1, before);
    liveSkips += 1;
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).to.equal(undefined, 'titles are text, never HTML');
    // The now-playing cover comes through Vibescope (the browser only talks to Vibescope).
    await page.waitForFunction(() => { const img = document.querySelector<HTMLImageElement>('.now-card img.art'); return !!img && img.complete && img.naturalWidth > 0; });
    expect(await page.locator('.now-card img.art').getAttribute('src')).to.match(/^api\/v1\/art\/now-playing\/default/);
    await shoot(page, 'now');
    fake.state.player = null;
    await server.app.spotify.syncNow('default');
    // Two streams: 901 (a skip: the next track came at 2 s) and 902 (stopped after a few seconds: neither play nor skip).
    await page.getByTestId('recent').locator('li', { hasText: 'Right after the skip' }).waitFor();
    live += 2;
  });

  it('renders Overview for all time with the counted plays, the previous values and a zero-filled bar chart with a plays/time toggle', async () => {
    await page.goto(`${server.url}#/overview?range=all`);
    await page.getByTestId('tile-plays').filter({ hasText: fmt(rows.filter(isPlay).length) }).waitFor();
    expect(await textOf(page, '[data-testid=tile-skips] b')).to.equal(fmt(rows.filter(isSkip).length + liveSkips), 'the export\'s skips and the live one');
    expect(await page.getByTestId('overview-tiles').locator('.tile').count()).to.equal(6);
    await page.locator('.chart canvas').first().waitFor();
    await page.getByRole('button', { name: 'Plays', exact: true }).click();
    expect(page.url()).to.contain('by=plays');
    expect(await page.getByRole('button', { name: 'Plays', exact: true }).getAttribute('aria-pressed')).to.equal('true');
    await page.goto(`${server.url}#/overview?range=c:2024-10-01:2024-10-31`);
    const oct = rows.filter((r) => isPlay(r) && r.ts >= '2024-09-30T22:00:00Z' && r.ts < '2024-10-31T23:00:00Z').length;
    // The previous period has the same length: the 31 days before 1 October (31 August to 30 September).
    const sep = rows.filter((r) => isPlay(r) && r.ts >= '2024-08-30T22:00:00Z' && r.ts < '2024-09-30T22:00:00Z').length;
    await page.getByTestId('tile-plays').filter({ hasText: fmt(oct) }).waitFor();
    expect(await textOf(page, '[data-testid=tile-plays] .prev')).to.contain(`vs ${fmt(sep)}`, 'the previous period\'s value next to the change');
    await shoot(page, 'overview');
  });

  it('renders History in two-line rows under day headers, searches as you type, filters, counts and pages', async () => {
    await page.goto(`${server.url}#/history`);
    await page.getByTestId('history').locator('li').nth(99).waitFor();
    const total = rows.length + live; // the export and the live skip
    await page.getByTestId('history-count').filter({ hasText: `100 of ${fmt(total)}` }).waitFor();
    await page.getByTestId('more').click();
    await page.getByTestId('history-count').filter({ hasText: `200 of ${fmt(total)}` }).waitFor();
    expect(await page.getByTestId('history').locator('li.stream').count()).to.equal(200);
    expect(await page.locator('[data-testid=history] li .source').count()).to.equal(0, 'no internal source labels');
    expect(await page.locator('[data-testid=history] li span.art:not(img)').count()).to.equal(0, 'no placeholder thumbnails');
    const london = rows.filter((r) => [r.master_metadata_track_name, r.master_metadata_album_artist_name, r.master_metadata_album_album_name]
      .some((v) => typeof v === 'string' && v.toLowerCase().includes('london'))).length;
    await page.getByTestId('history-search').pressSequentially('London', { delay: 30 });
    await page.getByTestId('history-count').filter({ hasText: ` of ${fmt(london)}` }).waitFor();
    expect(page.url()).to.contain('q=London');
    await page.getByTestId('history-search').fill('');
    await page.getByTestId('history-kind').selectOption('skip');
    await page.getByTestId('history-count').filter({ hasText: ` of ${fmt(rows.filter(isSkip).length + liveSkips)}` }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=history] li')].every((li) => li.classList.contains('skip')));
    await page.getByTestId('history-kind').selectOption('all');
    // The artist filter suggests by prefix; choosing one filters the log.
    await page.getByTestId('history-artist').pressSequentially('Sabr', { delay: 30 });
    await page.locator('#artist-suggestions option[value="Sabrina Carpenter"]').waitFor({ state: 'attached' });
    await page.getByTestId('history-artist').fill('Sabrina Carpenter');
    await page.getByTestId('history-count').filter({ hasText: ` of ${fmt(rows.filter((r) => r.master_metadata_album_artist_name === 'Sabrina Carpenter').length)}` }).waitFor();
    await page.evaluate(() => { location.hash = '#/history'; });
    await page.getByTestId('history-count').filter({ hasText: ` of ${fmt(rows.length + live)}` }).waitFor();
    expect(await page.getByTestId('history-artist').inputValue()).to.equal('', 'the filter boxes follow the address');
    await page.getByTestId('history').locator('li').nth(20).waitFor();
    for (const width of [360, 390, 600]) {
      await page.setViewportSize({ width, height: 800 });
      const layout = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        rows: [...document.querySelectorAll('[data-testid=history] li.stream')].slice(0, 100).map((li) => ({
          share: (li.querySelector('.lines') as HTMLElement).getBoundingClientRect().width / li.getBoundingClientRect().width,
          height: li.getBoundingClientRect().height })),
      }));
      expect(layout.overflow, `no horizontal overflow at ${width} px`).to.be.at.most(0);
      expect(Math.min(...layout.rows.map((r) => r.share)), `title column share at ${width} px`).to.be.at.least(0.6);
      expect(Math.max(...layout.rows.map((r) => r.height)), `tallest row at ${width} px`).to.be.at.most(120);
      const firstRow = await page.locator('[data-testid=history] li.stream').first().boundingBox();
      expect(firstRow!.y + firstRow!.height, 'the first stream is visible without scrolling').to.be.at.most(800);
      await page.screenshot({ path: path.join(OUT, `history-${width}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await shoot(page, 'history');
  });

  it('drills down: the top artist on Top opens its page with the same play count as /api/v1/stats/top/artists', async () => {
    await page.goto(`${server.url}#/top?range=all&what=artists`);
    const first = page.getByTestId('top').locator('li').first().locator('a.title');
    await first.waitFor();
    const api = await (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/stats/top/artists?limit=1`)).json() as { items: { name: string; plays: number }[] };
    expect(await first.textContent()).to.equal(api.items[0]!.name);
    await shoot(page, 'top');
    await first.click();
    await page.getByTestId('entity-name').filter({ hasText: api.items[0]!.name }).waitFor();
    expect(await textOf(page, '[data-testid=entity-plays] b')).to.equal(fmt(api.items[0]!.plays));
    await page.getByTestId('entity-tracks').locator('li').first().waitFor();
    await page.getByTestId('rank-history').locator('li').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await shoot(page, 'artist');
    await page.goBack();
    await page.getByTestId('top').locator('li').first().waitFor();
    expect(page.url()).to.contain('what=artists', 'Back returns to Top with its filters');
  });

  it('drills down: a track in History opens its page, which lists that stream', async () => {
    await page.goto(`${server.url}#/history`);
    const row = page.getByTestId('history').locator('li.stream').nth(3);
    await row.waitFor();
    const id = await row.getAttribute('data-stream');
    const title = await row.locator('a.title').textContent();
    await row.locator('a.title').click();
    await page.getByTestId('entity-name').filter({ hasText: title! }).waitFor();
    await page.locator(`[data-testid=entity-streams] li[data-stream="${id}"]`).waitFor();
    await shoot(page, 'track', [390]);
  });

  it('never lets a delayed response replace a newer one', async () => {
    await page.goto(`${server.url}#/overview?range=c:2024-09-01:2024-09-30`);
    await page.getByTestId('tile-plays').waitFor();
    const oct = rows.filter((r) => isPlay(r) && r.ts >= '2024-09-30T22:00:00Z' && r.ts < '2024-10-31T23:00:00Z').length;
    delayed = /^\/api\/v1\/stats\/summary\?account=default&from=0&/;
    const outcome = new Promise<string>((resolve) => {
      page.on('requestfailed', (r) => { if (/stats\/summary\?account=default&from=0&/.test(r.url())) resolve('aborted'); });
      page.on('requestfinished', (r) => { if (/stats\/summary\?account=default&from=0&/.test(r.url())) resolve('finished'); });
    });
    await page.evaluate(() => { location.hash = '#/overview?range=all'; });
    await page.waitForRequest(/stats\/summary\?account=default&from=0&/);
    await page.evaluate(() => { location.hash = '#/overview?range=c:2024-10-01:2024-10-31'; });
    await page.getByTestId('tile-plays').filter({ hasText: fmt(oct) }).waitFor();
    await server.proxy.delayedSettled();
    const how = await outcome;
    delayed = null;
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    expect(await textOf(page, '[data-testid=tile-plays] b'), `after the late answer (${how})`).to.equal(fmt(oct));
  });

  it('renders Patterns and Skips with heatmaps whose values are reachable by keyboard and touch', async () => {
    await page.goto(`${server.url}#/patterns?range=all`);
    await page.getByTestId('heatmap').locator('td').nth(7 * 24 - 1).waitFor();
    await page.getByTestId('sessions').waitFor();
    expect(await page.getByTestId('heatmap').locator('td').count()).to.equal(7 * 24);
    await page.getByTestId('heatmap').locator('td').first().focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByTestId('heatmap-readout').textContent()).to.match(/^Monday 01:00–02:00 · \d[\d,]* plays?$/);
    await page.getByTestId('heatmap').locator('td').nth(24 * 2 + 18).click();
    expect(await page.getByTestId('heatmap-readout').textContent()).to.match(/^Wednesday 18:00–19:00/);
    await shoot(page, 'patterns');
    await page.goto(`${server.url}#/skips?range=all`);
    await page.getByTestId('skips.tracks').locator('li').first().waitFor();
    // The heatmap's answer may come after the lists'; wait for its last cell, then count them all.
    await page.getByTestId('skip-heatmap').locator('td').nth(7 * 24 - 1).waitFor();
    expect(await page.getByTestId('skip-heatmap').locator('td').count()).to.equal(7 * 24);
    await shoot(page, 'skips', [390]);
  });

  it('renders Mood from the analysed library files and Wrapped for the year with data', async () => {
    await page.goto(`${server.url}#/mood`);
    await page.getByTestId('radar').waitFor();
    await page.getByTestId('outliers').locator('li').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.chart .u-legend .u-series').count()).to.equal(5, 'time + energy, valence, danceability, tempo');
    await page.goto(`${server.url}#/wrapped`);
    await page.getByTestId('wrapped-artists').locator('li').first().waitFor();
    expect(await page.getByTestId('wrapped-year').inputValue()).to.equal('2024');
    expect(await page.getByTestId('wrapped-clock').locator('.hour').count()).to.equal(24);
    await shoot(page, 'wrapped', [390, 1280]);
  });

  it('shows cover art of imported tracks once resolved, served by Vibescope, and never a broken image', async () => {
    await page.goto(`${server.url}#/top?range=all`);
    await page.getByTestId('top').locator('li').nth(9).waitFor();
    // Showing the list queued its albums; the resolver asks the fake Spotify one track per album.
    await waitFor(async () => {
      const top = await (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/stats/top/tracks?limit=10`)).json() as { items: { art_url: string | null }[] };
      return top.items.every((i) => i.art_url !== null);
    }, { timeoutMs: 30_000, what: 'art for the top 10' });
    await page.reload();
    await page.getByTestId('top').locator('li img.art').nth(9).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('[data-testid=top] li img.art')].slice(0, 10).every((i) => i.complete && i.naturalWidth > 0));
    expect(await page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('img')].filter((i) => i.complete && i.naturalWidth === 0).length)).to.equal(0);
    expect(fake.requests.filter((r) => r.path.startsWith('/v1/tracks/')).length).to.be.at.most(10 + 50);
    // An image that cannot load becomes a letter tile.
    await page.evaluate(() => { const img = document.querySelector<HTMLImageElement>('[data-testid=top] li img.art'); if (img) img.src = 'api/v1/art/album/999999'; });
    w.allow(/api\/v1\/art\/album\/999999/);
    w.allow(/^Failed to load resource: the server responded with a status of 404/); // its console line (the URL check above stays strict)
    await page.locator('[data-testid=top] li').first().locator('span.art.tile').waitFor();
    await shoot(page, 'top-art', [390]);
  });

  it('shows health problems live, and dismisses the dismissible ones', async () => {
    await page.goto(`${server.url}#/now`);
    await page.getByTestId('recent').waitFor();
    server.app.health.report('panel.test', { code: 'TEST', message: 'A one-off problem the user may dismiss.', dismissible: true });
    server.app.health.report('panel.test.stuck', { code: 'TEST', message: 'A problem only its cause going away clears.' });
    const banner = page.getByTestId('health-banner');
    await banner.filter({ hasText: 'A one-off problem' }).waitFor();
    expect(await banner.locator('[data-problem="panel.test.stuck"] button').count()).to.equal(0);
    await banner.locator('[data-problem="panel.test"] button').click();
    await page.locator('[data-problem="panel.test"]').waitFor({ state: 'detached' });
    expect(server.app.health.has('panel.test')).to.equal(false);
    server.app.health.clear('panel.test.stuck');
    await banner.waitFor({ state: 'detached' });
  });

  it('imports through Settings: button waiting while uploading, the file\'s own name, already imported, a link to the imported span', async () => {
    const file = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json');
    await page.goto(`${server.url}#/settings`);
    await page.getByTestId('library').waitFor();
    expect(await page.getByTestId('library').textContent()).to.match(/3 analysed, 3 matched/);
    delayed = /^\/api\/v1\/imports$/;
    await page.getByTestId('import-files').setInputFiles(file);
    await page.getByTestId('import-start').click();
    await page.waitForFunction(() => { const b = document.querySelector<HTMLButtonElement>('[data-testid=import-start]'); return b?.disabled && /Uploading|Importing/.test(b.textContent ?? ''); });
    await page.getByTestId('import-result').waitFor();
    delayed = null;
    expect(await page.getByTestId('import-result').textContent()).to.match(/^16 new streams stored/);
    expect(await page.getByTestId('import-files-report').locator('li').first().textContent()).to.match(/^efrrowini_Streaming_History_Video_2023\.json: 16 stored/);
    expect(await page.getByTestId('import-start').isDisabled()).to.equal(false);
    await shoot(page, 'settings');
    await page.getByTestId('import-files').setInputFiles(file);
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-result').filter({ hasText: '16 already imported' }).waitFor();
    await page.getByTestId('import-span').click();
    await page.getByTestId('overview-tiles').waitFor();
    expect(decodeURIComponent(page.url())).to.contain('#/overview?range=c:2023-12-09:2023-12-09');
  });

  it('connects Spotify: checks the pasted address in the browser first, then shows who is connected', async () => {
    await page.goto(`${server.url}#/settings`);
    await page.getByTestId('connected-as').waitFor();
    await page.getByTestId('disconnect').click();
    await page.locator('[data-testid=connect][data-state=not_connected]').waitFor();
    await page.getByTestId('connect-start').click();
    const consent = await page.getByTestId('consent-link').getAttribute('href');
    const landed = await fake.consent(consent!);
    const finishes: string[] = [];
    page.on('request', (r) => { if (r.url().endsWith('/api/v1/auth/finish')) finishes.push(r.url()); });
    for (const [pasted, says] of [['not a url', /not a web address/], ['https://example.com/callback?code=x&state=y', /not the redirect URI/],
      [landed.replace(/code=[^&]+&?/, ''), /no code/], [landed.replace(/state=[^&]+/, 'state=someone-else'), /another connection attempt/],
      ['http://127.0.0.1:8888/callback?error=access_denied&state=x', /not granted \(access_denied\)/]] as const) {
      await page.getByTestId('connect-url').fill(pasted);
      await page.getByTestId('connect-finish').click();
      await page.getByTestId('connect-message').filter({ hasText: says }).waitFor();
    }
    expect(finishes, 'nothing reached auth/finish before the address was right').to.deep.equal([]);
    await page.getByTestId('connect-url').fill(landed);
    await page.getByTestId('connect-finish').click();
    await page.getByTestId('connected-as').filter({ hasText: 'Connected as JM Wizzler' }).waitFor();
    expect(finishes).to.have.length(1);
    const scope = new URL(consent!).searchParams.get('scope')!.split(' ');
    expect(scope).to.not.include('playlist-modify-private', 'only the scopes enabled features use');
  });

  it('serves hashed assets with a long cache, index.html uncached, a favicon under the ingress path, lang set, AA contrast', async () => {
    const index = await fetch(server.url);
    expect(index.headers.get('cache-control')).to.equal('no-cache');
    const html = await index.text();
    const js = /src="(app-[A-Z0-9]{8}\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${js}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    expect((await fetch(`${server.url}favicon.svg`)).status).to.equal(200);
    await page.goto(server.url);
    await page.getByTestId('recent').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).to.equal('en');
    const icon = await page.evaluate(() => new URL(document.querySelector<HTMLLinkElement>('link[rel=icon]')!.href).pathname);
    expect(icon).to.equal('/api/hassio_ingress/Xk3_test-token/favicon.svg');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // A string, not a function: the test runner's transpiler would wrap named helpers in code the page lacks.
      const ratios = await page.evaluate(`(() => {
        const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
        const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        return [...document.querySelectorAll('nav a.active, button.primary, .toggle button.active')].map((el) => {
          const s = getComputedStyle(el); const a = lum(s.color); const b = lum(s.backgroundColor);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        });
      })()`) as number[];
      expect(ratios.length).to.be.greaterThan(0);
      expect(Math.min(...ratios), `white on blue (${scheme}), WCAG AA`).to.be.at.least(4.5);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('keeps the panel small: first page <= 80 KB and the whole panel <= 150 KB of gzipped JS; uPlot only with a chart', async () => {
    const build = JSON.parse(readFileSync(path.join(ROOT, 'frontend', 'dist', 'build.json'), 'utf8'));
    expect(build.first_page_js_gzip_bytes).to.be.at.most(80 * 1024);
    expect(build.js_gzip_bytes).to.be.at.most(150 * 1024);
    const { context, page: fresh } = await newPage(browser);
    const scripts: string[] = [];
    fresh.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });
    await fresh.goto(`${server.url}#/history`);
    await fresh.getByTestId('history').locator('li').first().waitFor();
    const before = scripts.length;
    await fresh.goto(`${server.url}#/overview`);
    await fresh.locator('.chart canvas').first().waitFor();
    expect(scripts.length, 'the chart code loads when the first chart shows').to.be.greaterThan(before);
    await context.close();
  });

  it('had no console errors, no failed requests, and contacted nothing but Vibescope', () => {
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    expect(w.outside, w.outside.join('\n')).to.deep.equal([]);
  });
});
