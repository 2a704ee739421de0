/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPage, shoot, startPanel, watch, type PanelServer } from './harness.js';

describe('panel: the first run, on an empty data folder', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: PanelServer;
  before(async () => { browser = await launchBrowser(); server = await startPanel(); });
  after(async () => { await browser?.close(); await server?.close(); });

  it('renders every page with its empty state: no error anywhere, no console error, no failed request', async () => {
    const { context, page } = await newPage(browser);
    const w = watch(page, server.origin);
    const pages: [string, string, boolean][] = [['now', 'recent-empty', true], ['overview', 'overview-empty', true], ['history', 'history-empty', true],
      ['top', 'top-empty', true], ['patterns', 'patterns-empty', true], ['skips', 'skips-empty', true], ['mood', 'mood-empty', true],
      ['wrapped', 'wrapped-empty', true], ['story', 'story-empty', true], ['data', 'export-empty', true], ['genres', 'genres-empty', true], ['map', 'map-empty', true],
      ['playlists', 'playlists-empty', true], ['settings', 'no-client-id', false]];
    for (const [name, testid, linksToSettings] of pages) {
      await page.goto(`${server.url}#/${name}`);
      await page.getByTestId(testid).waitFor();
      if (linksToSettings) expect(await page.getByTestId(testid).locator('a[href^="#/settings"]').count(), `${name} links to Settings`).to.be.greaterThan(0);
      const text = await page.evaluate(() => document.body.innerText);
      expect(text, `${name} shows no error`).to.not.match(/error/i);
      expect(text).to.not.match(/not found|undefined|NaN/);
      if (name === 'overview' || name === 'now') await shoot(page, `empty-${name}`);
      if (name === 'data') {
        // Scrobbling is off: the card says which options turn it on; a backup of the empty install still works.
        await page.locator('[data-testid=scrobble][data-state=off]').waitFor();
        expect(await page.getByTestId('scrobble-state').textContent()).to.match(/^Scrobbling is off\..* set scrobble_url and scrobble_token in vibescope\.yaml or in the environment as VIBESCOPE_SCROBBLE_URL and VIBESCOPE_SCROBBLE_TOKEN\.$/);
        expect(await page.getByTestId('backup-start').isEnabled()).to.equal(true);
        await shoot(page, 'empty-data', [390]);
      }
    }
    // Settings says exactly where client_id goes (standalone: the environment) and which redirect URI to register.
    expect(await page.getByTestId('no-client-id').textContent()).to.contain('VIBESCOPE_CLIENT_ID');
    expect(await page.getByTestId('redirect-uri').first().textContent()).to.equal('http://127.0.0.1:8888/callback');
    await shoot(page, 'empty-settings', [390]);
    // The search box finds nothing, quietly.
    await page.getByTestId('search').fill('anything');
    await page.getByTestId('search-results').filter({ hasText: 'Nothing found' }).waitFor();
    expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
    expect(w.outside, 'the browser contacts nothing but Vibescope').to.deep.equal([]);
    await context.close();
  });
});
