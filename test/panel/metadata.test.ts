/// <reference lib="dom" />
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { waitFor } from '../support/helpers.js';
import { buildWorld, type World } from '../support/metabrainz-world.js';
import { startFakeListenBrainz, startFakeMusicBrainz, type FakeListenBrainz, type FakeMusicBrainz } from '../support/fake-metabrainz.js';
import { historyRows, worldTracks, type HistoryRow } from '../support/metadata.js';
import { expectedStats, perUri, resolvable, servedGenres, type NameOf } from '../metadata/expected.js';
import { launchBrowser, newPage, shoot, startPanel, textOf, watch, type PanelServer } from './harness.js';

const FILE = 'mica92_Streaming_History_Audio_2024_4.json';
const fmt = (n: number) => new Intl.NumberFormat('en-GB').format(n);
const one = (n: number) => new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 }).format(n);
const plays = (n: number) => `${fmt(n)} ${n === 1 ? 'play' : 'plays'}`;
/** November 2024 in Europe/Berlin (CET) and the 30 days before it: the panel's previous equal period. */
const NOV = { range: 'c:2024-11-01:2024-11-30', from: Date.parse('2024-11-01T00:00:00+01:00'), to: Date.parse('2024-12-01T00:00:00+01:00') - 1 };
const PREV = { from: NOV.from - (NOV.to - NOV.from) - 1, to: NOV.from - 1 };
const within = (rows: HistoryRow[], r: { from: number; to: number }) => rows.filter((x) => Date.parse(x.ts) >= r.from && Date.parse(x.ts) <= r.to);

/** Ranks where they do not depend on a tie-break: 1 + the genres ahead by plays, then listening time. */
function clearRanks(genres: Map<string, { plays: number; ms: number }>): Map<string, number> {
  const all = [...genres];
  const out = new Map<string, number>();
  for (const [g, e] of all) {
    if (all.some(([h, x]) => h !== g && x.plays === e.plays && x.ms === e.ms)) continue;
    out.set(g, 1 + all.filter(([, x]) => x.plays > e.plays || (x.plays === e.plays && x.ms > e.ms)).length);
  }
  return out;
}

async function overflowAt(page: Page, width: number): Promise<number> {
  await page.setViewportSize({ width, height: 800 });
  await page.waitForTimeout(0);
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe('panel: Genres, Map, eras, obscurity, entity genres and the enrichment progress, with the fake ListenBrainz and MusicBrainz', function () {
  this.timeout(240_000);
  const rows = historyRows([FILE]);
  let world: World;
  let lb: FakeListenBrainz;
  let mb: FakeMusicBrainz;
  /** The Cover Art Archive's place on loopback: it has none of these images (404), so nothing leaves the machine. */
  let coverArt: Server;
  let server: PanelServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let w: ReturnType<typeof watch>;
  let nameOf: NameOf;

  before(async () => {
    world = buildWorld(worldTracks(rows));
    lb = await startFakeListenBrainz(world);
    mb = await startFakeMusicBrainz(world);
    coverArt = createServer((_req, res) => { res.writeHead(404).end(); });
    await new Promise<void>((resolve) => coverArt.listen(0, '127.0.0.1', resolve));
    const coverArtUrl = `http://127.0.0.1:${(coverArt.address() as { port: number }).port}`;
    server = await startPanel({ imports: [{ files: [path.join(EXTENDED_DIR, FILE)], account: 'default' }],
      options: { metadata_enrichment: true, listenbrainz_token: 'lb-test-token', listenbrainz_api_url: lb.url, musicbrainz_api_url: mb.url,
        coverart_url: coverArtUrl } });
    const app = server.app;
    await waitFor(() => { const s = app.metadata.status(); return s.tracks.pending + s.tracks.failed === 0 && s.queue_length === 0; },
      { timeoutMs: 120_000, what: 'every track looked up' });
    const names = new Map(app.store.sql.all<{ uri: string; title: string; artist: string }>(
      'SELECT t.uri AS uri, t.name AS title, a.name AS artist FROM tracks t JOIN artists a ON a.id = t.artist_id WHERE t.content = 0').map((r) => [r.uri, r]));
    nameOf = (uri) => names.get(uri)!;
    browser = await launchBrowser();
    ({ context, page } = await newPage(browser));
    w = watch(page, server.origin);
    // With enrichment on, art comes from the Cover Art Archive, here a loopback server without the
    // images: the art routes answer 404 and the pages show letter tiles (only these routes may 404).
    w.allow(/api\/v1\/art\/(album|track)\/\d+$/);
    w.allow(/^Failed to load resource: the server responded with a status of 404/);
  });
  after(async () => { await context?.close(); await browser?.close(); await server?.close(); await lb?.close(); await mb?.close();
    await new Promise((resolve) => coverArt?.close(resolve)); });

  it('Genres: the top genres of November with plays and their movement against the 30 days before, counted from the rows', async () => {
    const now = expectedStats(within(rows, NOV), world, lb, nameOf).genres;
    const before = expectedStats(within(rows, PREV), world, lb, nameOf).genres;
    await page.goto(`${server.url}#/genres?range=${NOV.range}`);
    await page.getByTestId('top-genres').waitFor();
    const items = await page.locator('[data-testid=top-genres] li').evaluateAll((lis) => lis.map((li) => ({
      rank: Number(li.querySelector('.rank')!.textContent), genre: li.querySelector('.title')!.textContent!, count: li.querySelector('.count')!.childNodes[0]!.textContent!,
      move: li.querySelector('.move')?.textContent ?? null })));
    expect(items).to.have.length(Math.min(20, now.size));
    const nowRanks = clearRanks(now); const beforeRanks = clearRanks(before);
    let checked = 0;
    for (const i of items) {
      expect(i.count.replace(/\u00a0|\u202f/g, ' '), i.genre).to.equal(plays(now.get(i.genre)!.plays));
      if (nowRanks.has(i.genre)) expect(i.rank, i.genre).to.equal(nowRanks.get(i.genre));
      if (!before.has(i.genre)) { expect(i.move, `${i.genre} was not played before`).to.equal('new'); continue; }
      if (!nowRanks.has(i.genre) || !beforeRanks.has(i.genre)) continue;
      const d = beforeRanks.get(i.genre)! - nowRanks.get(i.genre)!;
      expect(i.move, i.genre).to.equal(d > 0 ? `▲${d}` : d < 0 ? `▼${-d}` : '–');
      checked++;
    }
    expect(checked, 'movements checked without a tie').to.be.greaterThan(3);
    const covered = perUri(within(rows, NOV), world, nameOf);
    const total = covered.reduce((s, t) => s + t.plays, 0);
    expect(await textOf(page, '[data-testid=genres-coverage]')).to.contain(`of ${fmt(total)})`);
  });

  it('Genres: the genre shares over time as a stacked chart with its legend, and the eras by decade with the mean year', async () => {
    await page.goto('about:blank'); // a fresh load: nothing of the previous range can be on screen
    await page.goto(`${server.url}#/genres?range=all`);
    await page.getByTestId('genre-stream').locator('canvas').first().waitFor();
    const legend = await page.locator('[data-testid=genre-legend] li').allTextContents();
    expect(legend.at(-1)).to.equal('other');
    expect(legend.length).to.equal(Math.min(8, expectedStats(rows, world, lb, nameOf).genres.size) + 1);
    const { years, meanYear } = expectedStats(rows, world, lb, nameOf);
    const decades = new Map<number, number>();
    for (const [y, n] of years) decades.set(Math.floor(y / 10) * 10, (decades.get(Math.floor(y / 10) * 10) ?? 0) + n);
    // The range changed on the same page: the previous range's answer stays (dimmed) until the new one is in.
    await page.locator('[data-testid=eras]:not(.stale)').waitFor();
    const eras = (await page.locator('[data-testid=era]').allTextContents()).map((s) => s.replace(/\u00a0|\u202f/g, ' '));
    expect(eras).to.have.length(decades.size);
    [...decades].sort((a, b) => a[0] - b[0]).forEach(([decade, n], i) => expect(eras[i]).to.contain(`${decade}s`).and.contain(plays(n)));
    expect(await textOf(page, '[data-testid=eras-mean]')).to.equal(`On average, your music came out in ${Math.round(meanYear!)}.`);
    expect(await overflowAt(page, 390), 'Genres: no horizontal overflow at 390 px').to.be.at.most(0);
    await shoot(page, 'genres', [390]);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('Map: each played country coloured, its numbers reachable by keyboard, a legend in plays, and the same numbers as a list', async () => {
    const { countries } = expectedStats(rows, world, lb, nameOf);
    await page.goto(`${server.url}#/map`);
    await page.getByTestId('world-map').waitFor();
    const coloured = await page.locator('[data-testid=world-map] path[data-country]').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-country')!));
    expect(new Set(coloured)).to.deep.equal(new Set(countries.keys()));
    const top = [...countries].sort((a, b) => b[1].plays - a[1].plays)[0]!;
    const shape = page.locator(`[data-testid=world-map] path[data-country=${top[0]}]`).first();
    expect(await shape.getAttribute('tabindex')).to.equal('0');
    await shape.focus();
    const chosen = (await textOf(page, '[data-testid=map-chosen]'));
    expect(chosen).to.contain(`: ${plays(top[1].plays)}, ${fmt(top[1].artists.size)} artist${top[1].artists.size === 1 ? '' : 's'}`);
    const legend = await textOf(page, '[data-testid=map-legend]');
    expect(legend).to.match(/^Plays/);
    expect(legend.endsWith(fmt(top[1].plays)), `the legend's top class ends at the most plays: ${legend}`).to.equal(true);
    for (const [code, c] of countries) {
      expect((await textOf(page, `[data-testid=country-list] li[data-country=${code}] .count`)).startsWith(plays(c.plays)), code).to.equal(true);
    }
    const js = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.js')));
    expect(js.every((n) => n.includes('/api/hassio_ingress/Xk3_test-token/')), 'the map chunk loads through the ingress path').to.equal(true);
    expect(await overflowAt(page, 390), 'Map: no horizontal overflow at 390 px').to.be.at.most(0);
    await shoot(page, 'map', [390, 1280]);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('Overview: the obscurity score from ListenBrainz listener counts; artist and track pages show their genres and release year', async () => {
    // obscurity = 100 × (1 − log10(1 + listeners) / log10(1 + 1 000 000)), play-weighted (src/metadata/stats/obscurity.ts's documented formula).
    let sum = 0; let n = 0;
    for (const t of perUri(rows, world, nameOf)) {
      if (!resolvable(world, t.key)) continue;
      const served = lb.served.popularity.get(world.byName.get(t.key)!.mbid);
      if (!served) continue;
      const listeners = served.listeners ?? 0;
      sum += t.plays * Math.max(0, 100 * (1 - Math.log10(1 + listeners) / Math.log10(1 + 1_000_000))); n += t.plays;
    }
    await page.goto(`${server.url}#/overview?range=all`);
    await page.getByTestId('obscurity-score').waitFor();
    expect(await textOf(page, '[data-testid=obscurity-score]')).to.equal(`${one(Math.round((sum / n) * 10) / 10)} of 100`);

    // The artist with the most plays, and its genres by the same rule as the statistics (each of its tracks' genres).
    const byArtist = new Map<string, { plays: number; genres: Set<string> }>();
    for (const [uri] of new Map(rows.filter((r) => r.spotify_track_uri && r.master_metadata_track_name).map((r) => [r.spotify_track_uri!, r]))) {
      const name = nameOf(uri);
      const e = byArtist.get(name.artist) ?? { plays: 0, genres: new Set<string>() };
      e.plays += rows.filter((r) => r.spotify_track_uri === uri && r.ms_played >= 30_000).length;
      const key = world.keyOf(name.artist, name.title);
      if (resolvable(world, key)) for (const g of servedGenres(lb.served.recordings.get(world.byName.get(key)!.mbid) as any)) e.genres.add(g);
      byArtist.set(name.artist, e);
    }
    const [artist, info] = [...byArtist].filter(([, e]) => e.genres.size > 0 && e.genres.size <= 12).sort((a, b) => b[1].plays - a[1].plays)[0]!;
    const artistId = server.app.store.sql.get<{ id: number }>('SELECT id FROM artists WHERE name = ?', [artist])!.id;
    await page.goto(`${server.url}#/artist/${artistId}`);
    await page.getByTestId('entity-genres').waitFor();
    expect(new Set(await page.locator('[data-testid=entity-genres] .chips li').allTextContents())).to.deep.equal(info.genres);

    const { years } = expectedStats(rows, world, lb, nameOf);
    expect(years.size).to.be.greaterThan(0);
    const track = [...new Map(rows.filter((r) => r.spotify_track_uri && r.master_metadata_track_name).map((r) => [r.spotify_track_uri!, r])).keys()]
      .map((uri) => ({ uri, key: world.keyOf(nameOf(uri).artist, nameOf(uri).title) })).find((t) => resolvable(world, t.key) && servedGenres(lb.served.recordings.get(world.byName.get(t.key)!.mbid) as any).length > 0)!;
    const entry = lb.served.recordings.get(world.byName.get(track.key)!.mbid) as any;
    const group = entry?.release?.release_group_mbid ? lb.served.releaseGroups.get(entry.release.release_group_mbid) as any : undefined;
    const year = group?.release_group?.date ? Number(String(group.release_group.date).slice(0, 4)) : entry?.release?.year ?? null;
    const trackId = server.app.store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [track.uri])!.id;
    await page.goto(`${server.url}#/track/${trackId}`);
    await page.getByTestId('entity-genres').waitFor();
    expect(new Set(await page.locator('[data-testid=entity-genres] .chips li').allTextContents())).to.deep.equal(new Set(servedGenres(entry)));
    if (year) expect(await textOf(page, '[data-testid=entity-year]')).to.equal(String(year));
  });

  it('Settings: the enrichment progress in found / not found / still to look up, counted from the fake world', async () => {
    const keys = new Map<string, string>();
    for (const r of rows) if (r.spotify_track_uri && r.master_metadata_track_name) keys.set(r.spotify_track_uri, world.keyOf(nameOf(r.spotify_track_uri).artist, nameOf(r.spotify_track_uri).title));
    const resolved = [...keys.values()].filter((k) => resolvable(world, k)).length;
    await page.goto(`${server.url}#/settings`);
    await page.getByTestId('enrichment').waitFor();
    expect(await textOf(page, '[data-testid=enrich-resolved]')).to.equal(fmt(resolved));
    expect(await textOf(page, '[data-testid=enrich-not-found]')).to.equal(fmt(keys.size - resolved));
    expect(await textOf(page, '[data-testid=enrich-pending]')).to.equal('0');
    expect(await page.getByTestId('enrich-token').count(), 'a token is set: no token sentence').to.equal(0);
    expect(await textOf(page, '[data-testid=enrichment-state]')).to.match(/^Every track has been looked up/);
    await shoot(page, 'settings-enrichment', [390]);
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    expect(w.outside).to.deep.equal([]);
  });

  it('without a ListenBrainz token, Settings says how much faster one makes the lookups; without enrichment the pages say how to turn it on', async () => {
    const slow = await startPanel({ imports: [{ files: [path.join(EXTENDED_DIR, FILE)], account: 'default' }],
      options: { metadata_enrichment: true, listenbrainz_api_url: lb.url, musicbrainz_api_url: mb.url } });
    try {
      await page.goto(`${slow.url}#/settings`);
      await page.getByTestId('enrich-token').waitFor();
      expect(await textOf(page, '[data-testid=enrich-token]')).to.match(/A ListenBrainz token \(option “listenbrainz_token”.*\) (would make this about \d+ times faster|makes lookups many times faster)/);
    } finally { await slow.close(); }
    const off = await startPanel({ imports: [{ files: [path.join(EXTENDED_DIR, FILE)], account: 'default' }] });
    try {
      await page.goto(`${off.url}#/genres?range=all`);
      await page.getByTestId('genres-pending').waitFor();
      expect(await textOf(page, '[data-testid=genres-pending]')).to.match(/Turn on the option “metadata_enrichment”/);
      await page.goto(`${off.url}#/genres?range=c:2020-01-01:2020-01-31`);
      await page.getByTestId('genres-empty').waitFor();
      expect(await textOf(page, '[data-testid=genres-empty]')).to.match(/No plays in this range/);
    } finally { await off.close(); }
  });
});
