/// <reference lib="dom" />
import { expect } from 'chai';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PLAYLIST_SCOPES, SCOPES } from '../../src/spotify/index.js';
import { startFakeSpotify, type FakeSpotify } from '../support/fake-spotify.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { waitFor } from '../support/helpers.js';
import { catalogFromRows, historyRows } from '../playlists/harness.js';
import { launchBrowser, newPage, shoot, startPanel, textOf, watch, type PanelServer } from './harness.js';

const FILE = 'efrrowini_Streaming_History_Audio_2024.json';
const pct = (share: number) => new Intl.NumberFormat('en-GB', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(share);

/** No horizontal overflow at a phone's width. */
async function overflowAt(page: Page, width: number): Promise<number> {
  await page.setViewportSize({ width, height: 800 });
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe('panel: Playlists (generate, dry run, the latest list and its reasons, hit and skip rates) through the ingress path', function () {
  this.timeout(180_000);
  let browser: Browser;
  let fake: FakeSpotify;
  let server: PanelServer;
  let context: BrowserContext;
  let page: Page;
  let w: ReturnType<typeof watch>;

  before(async () => {
    fake = await startFakeSpotify();
    // Album images on the fake (GET /image/…), not on Spotify's CDN: nothing leaves loopback.
    fake.playlists.catalog.push(...catalogFromRows(historyRows(FILE)).map(({ track, genres }) => ({ genres,
      track: { ...track, album: { ...track.album, images: [640, 300, 64].map((px) => ({ url: `${fake.url}/image/${track.id}-${px}`, width: px, height: px })) } } })));
    // "default" consented to the playlist scopes; "second" connected before they were asked for.
    server = await startPanel({ fake, connect: ['default', 'second'], scopes: { default: [...SCOPES, ...PLAYLIST_SCOPES].join(' '), second: SCOPES.join(' ') },
      options: { accounts: [{ name: 'default' }, { name: 'second' }], vibe_playlists: true },
      imports: [{ files: [path.join(EXTENDED_DIR, FILE)], account: 'default' }, { files: [path.join(EXTENDED_DIR, FILE)], account: 'second' }] });
    browser = await launchBrowser();
    ({ context, page } = await newPage(browser));
    w = watch(page, server.origin);
    // Only the playlist track art route may 404 (an image the fake cannot serve shows a letter tile).
    w.allow(/api\/v1\/playlists\/runs\/\d+\/tracks\/\d+\/art$/);
    w.allow(/^Failed to load resource: the server responded with a status of 404/);
  });
  after(async () => { await context?.close(); await browser?.close(); await server?.close(); await fake?.close(); });

  it('without the playlist permission explains how to add it, keeps Generate off, and a dry run shows the list with why each track is there', async () => {
    await page.goto(`${server.url}#/playlists?account=second`);
    const scope = page.getByTestId('scope-missing');
    await scope.waitFor();
    expect(await textOf(page, '[data-testid=scope-missing]')).to.match(/Connect this account again in Settings and accept the playlist permission/);
    expect(await page.getByTestId('generate').isDisabled()).to.equal(true);
    expect(await page.getByTestId('playlists-empty').textContent()).to.match(/No list made yet/);
    const writes = fake.playlists.writes.length;
    await page.getByTestId('dry-run').click();
    await page.getByTestId('playlist-tracks').waitFor({ timeout: 90_000 });
    const runs = await (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/playlists/runs?account=second`)).json() as any;
    expect(runs.runs).to.have.length(1);
    expect(runs.runs[0]).to.include({ dry_run: true, status: 'success' });
    const items = page.locator('[data-testid=playlist-tracks] li');
    const n = await items.count();
    expect(n).to.equal(runs.runs[0].totals.total);
    expect(n).to.be.greaterThan(0);
    // Every track has its reason, in words (not a source's internal name).
    for (const why of await page.locator('[data-testid=why]').allTextContents()) {
      expect(why.trim().length).to.be.greaterThan(10);
      expect(why).to.not.match(/rediscoveries|deep_cuts|liked_not_played|spotify_search/);
    }
    expect(fake.playlists.writes.length, 'a dry run writes nothing to Spotify').to.equal(writes);
    expect(await textOf(page, '[data-testid=run-history] tbody tr')).to.match(/dry run/);
    expect(await page.locator('body').textContent()).to.not.match(/\/tmp\/|stage|success|Error:/);
    expect(await overflowAt(page, 390), 'no horizontal overflow at 390 px').to.be.at.most(0);
    await shoot(page, 'playlists', [390]);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('Generate writes the list to Spotify, shows those tracks in that order, and the run history shows its hit and skip rates', async () => {
    await page.goto(`${server.url}#/playlists`);
    await page.getByTestId('generate').waitFor();
    await waitFor(async () => !(await page.getByTestId('generate').isDisabled()), { what: 'Generate enabled' });
    await page.getByTestId('generate').click();
    const written = await waitFor(() => [...fake.playlists.playlists.values()].find((p) => p.items.length > 0), { timeoutMs: 90_000, what: 'a playlist written' });
    await page.locator('[data-testid=run-history] tbody tr').first().waitFor();
    await waitFor(async () => (await page.locator('[data-testid=playlist-tracks] li').count()) === written.items.length, { timeoutMs: 30_000, what: 'the list on the page' });
    const runs = (await (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/playlists/runs?account=default`)).json() as any).runs;
    const run = server.app.playlists!.run(runs[0].id);
    expect(run.tracks.map((t: any) => t.uri), 'the page\'s list is the one Spotify got').to.deep.equal(written.items);
    const names = (await page.locator('[data-testid=playlist-tracks] li .title').allTextContents()).map((s) => s.trim());
    expect(names).to.deep.equal(run.tracks.map((t: any) => t.name));
    // Afterwards: one track listened to the end, two skipped after 4 s (the rates' definitions, src/playlists/types.ts RunFeedback).
    const start = run.ended_at!;
    const plays = [{ t: run.tracks[0]!, ms: 200_000, reason: 'trackdone' }, { t: run.tracks[1]!, ms: 4_000, reason: 'fwdbtn' }, { t: run.tracks[2]!, ms: 4_000, reason: 'fwdbtn' }];
    await server.app.ingest.record(plays.map((p, i) => ({ account: 'default', source: 'import-extended' as const, ended_at: start + (i + 1) * 60_000, ms_played: p.ms,
      reason_end: p.reason, skipped: p.ms < 30_000,
      track: { uri: p.t.uri, name: p.t.name, content: 'track' as const, artists: [{ spotify_id: null, name: p.t.artist_name! }], album: null, duration_ms: p.t.duration_ms, isrc: p.t.isrc } })));
    await page.reload();
    const row = page.locator(`[data-testid=run-history] tr[data-run="${run.id}"]`);
    await row.waitFor();
    expect((await row.getByTestId('hit-rate').textContent())!.trim()).to.equal(`${pct(1 / written.items.length)} (so far)`);
    expect((await row.getByTestId('skip-rate').textContent())!.trim()).to.equal(pct(2 / 3));
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    expect(w.outside, 'nothing but Vibescope is asked').to.deep.equal([]);
  });

  it('says how to turn vibe playlists on when they are off, and how to get a history first', async () => {
    const off = await startPanel({ options: { vibe_playlists: false } });
    try {
      await page.goto(`${off.url}#/playlists`);
      await page.getByTestId('playlists-off').waitFor();
      expect(await textOf(page, '[data-testid=playlists-off]')).to.match(/Turn on the option “vibe_playlists”/);
      expect(await textOf(page, '[data-testid=playlists-empty]')).to.match(/No listening history yet: connect Spotify or import/);
      expect(await overflowAt(page, 390)).to.be.at.most(0);
    } finally { await off.close(); await page.setViewportSize({ width: 1280, height: 900 }); }
  });
});
