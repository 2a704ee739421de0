/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { launchBrowser, newPage, shoot, startPanel, textOf, watch, type PanelServer } from './harness.js';

type Row = Record<string, any>;
const ALICE = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
const BOB = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2026.json');
const load = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Row[];
const isPlay = (r: Row) => r.spotify_track_uri && r.ms_played >= 30_000;
const isSkip = (r: Row) => r.spotify_track_uri && r.ms_played < 30_000 && (r.skipped === true || ['fwdbtn', 'backbtn'].includes(r.reason_end));
const en = (n: number) => new Intl.NumberFormat('en-GB').format(n);

describe('panel: two accounts, an old import-only history, German and British locales', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: PanelServer;
  const alice = load(ALICE);
  const bob = load(BOB);
  before(async () => {
    browser = await launchBrowser();
    server = await startPanel({ options: { accounts: [{ name: 'alice' }, { name: 'bob' }] },
      imports: [{ files: [ALICE], account: 'alice' }, { files: [BOB], account: 'bob' }] });
  });
  after(async () => { await browser?.close(); await server?.close(); });

  it('lands an import-only history that ended months ago on its stored plays and "Your history ends 31 May 2026" (en-GB)', async () => {
    const { context, page } = await newPage(browser, { locale: 'en-GB' });
    const w = watch(page, server.origin);
    await page.goto(`${server.url}#/now?account=bob`);
    await page.getByTestId('stored-plays').filter({ hasText: en(bob.filter(isPlay).length) }).waitFor();
    expect(await textOf(page, '[data-testid=history-ends] p')).to.equal('Your history ends 31 May 2026.');
    await shoot(page, 'import-only-now', [390]);
    await page.getByTestId('history-ends').locator('button.primary').click();
    // The latest four weeks with data: 4 to 31 May 2026 in Europe/Berlin (UTC+2).
    const may = bob.filter((r) => isPlay(r) && r.ts >= '2026-05-03T22:00:00Z' && r.ts < '2026-05-31T22:00:00Z').length;
    await page.getByTestId('tile-plays').filter({ hasText: en(may) }).waitFor();
    expect(decodeURIComponent(page.url())).to.contain('range=c:2026-05-04:2026-05-31');
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    await context.close();
  });

  it("never shows one account's numbers after switching to the other, and keeps the choice over a reload", async () => {
    const { context, page } = await newPage(browser);
    const w = watch(page, server.origin);
    const a = en(alice.filter(isPlay).length);
    const b = en(bob.filter(isPlay).length);
    await page.goto(`${server.url}#/overview?range=all`);
    await page.getByTestId('tile-plays').filter({ hasText: a }).waitFor();
    // From here on, every value the plays tile shows is recorded.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => { const v = document.querySelector('[data-testid=tile-plays] b')?.textContent; if (v && seen.at(-1) !== v) seen.push(v); })
        .observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('account').selectOption('bob');
    await page.getByTestId('tile-plays').filter({ hasText: b }).waitFor();
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // Until the switch lands the tile may still read alice's number; once it changed, alice's must never come back.
    const after = seen.slice(seen.findIndex((v) => v !== a));
    expect(after[0], `values shown: ${seen.join(', ')}`).to.equal(b);
    expect(after, `values shown: ${seen.join(', ')}`).to.not.include(a);
    await page.goto(`${server.url}#/top?range=all&what=artists`);
    const bobTop = new Map<string, number>();
    for (const r of bob.filter(isPlay)) bobTop.set(r.master_metadata_album_artist_name, (bobTop.get(r.master_metadata_album_artist_name) ?? 0) + 1);
    await page.getByTestId('top').locator('li').first().locator('a.title').filter({ hasText: [...bobTop].sort((x, y) => y[1] - x[1])[0]![0] }).waitFor();
    await page.reload();
    await page.getByTestId('top').locator('li').first().waitFor();
    expect(await page.getByTestId('account').inputValue()).to.equal('bob', 'the chosen account survives a reload');
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    await context.close();
  });

  it('speaks German with German numbers for de-DE: lang="de", "Überblick", a skip rate of "33,3 %"', async () => {
    // A track of bob's with exactly one skip for every two plays, found by a direct pass over the export.
    const counts = new Map<string, { name: string; plays: number; skips: number }>();
    for (const r of bob.filter((x) => x.spotify_track_uri)) {
      const c = counts.get(r.spotify_track_uri) ?? { name: r.master_metadata_track_name, plays: 0, skips: 0 };
      if (isPlay(r)) c.plays++; else if (isSkip(r)) c.skips++;
      counts.set(r.spotify_track_uri, c);
    }
    const names = new Map<string, number>();
    for (const c of counts.values()) names.set(c.name, (names.get(c.name) ?? 0) + 1);
    const [uri, third] = [...counts].find(([, c]) => c.skips > 0 && 3 * c.skips === c.plays + c.skips && names.get(c.name) === 1)!;
    const found = await (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/search?account=bob&kind=track&limit=50&q=${encodeURIComponent(third.name)}`)).json() as
      { tracks: { id: number; name: string }[] };
    const id = found.tracks.find((t) => t.name === third.name)!.id;
    expect((await (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/tracks/${id}?account=bob`)).json() as { uri: string }).uri).to.equal(uri);
    const { context, page } = await newPage(browser, { locale: 'de-DE' });
    const w = watch(page, server.origin);
    await page.goto(`${server.url}#/track/${id}?account=bob`);
    await page.getByTestId('entity-skip-rate').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).to.equal('de');
    expect(await page.locator('nav').textContent()).to.contain('Überblick');
    expect(await textOf(page, '[data-testid=entity-skip-rate] b')).to.equal('33,3 %');
    await page.goto(`${server.url}#/now?account=bob`);
    expect(await textOf(page, '[data-testid=history-ends] p')).to.equal('Dein Verlauf endet am 31. Mai 2026.');
    await shoot(page, 'de-now', [390]);
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    await context.close();
  });
});
