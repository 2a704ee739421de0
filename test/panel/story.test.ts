/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startFakeGemini, type FakeAi } from '../support/fake-ai.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { launchBrowser, newPage, shoot, startPanel, textOf, watch, type PanelServer } from './harness.js';

type Row = Record<string, any>;
const HISTORY = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
const rows = JSON.parse(readFileSync(HISTORY, 'utf8')) as Row[];
const isPlay = (r: Row) => r.spotify_track_uri && r.ms_played >= 30_000;
const fmt = (n: number) => new Intl.NumberFormat('en-GB').format(n);
/** Monday 7 – Sunday 13 October 2024 in Europe/Berlin (CEST, UTC+2): Spotify's `ts` is when a stream ended. */
const WEEK = { start: '2024-10-07', from: '2024-10-06T22:00:00Z', to: '2024-10-13T22:00:00Z' };

/** The week's plays per artist, by a direct pass over the export. */
function topArtistOfWeek(): [string, number] {
  const counts = new Map<string, number>();
  for (const r of rows.filter((x) => isPlay(x) && x.ts >= WEEK.from && x.ts < WEEK.to)) {
    counts.set(r.master_metadata_album_artist_name, (counts.get(r.master_metadata_album_artist_name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]!;
}

/** A story written by hand from a week's facts: every number and name from them, citing existing keys. */
function groundedStory(f: any) {
  const a = f.top_artists[0];
  return {
    title: `${f.totals.plays} plays with ${a.name} in front`,
    summary: `You played ${f.totals.plays} tracks, and ${a.name} led the way.`,
    highlights: [
      { text: `${a.name} had ${a.plays} plays.`, fact_keys: ['top_artists.0'] },
      { text: `You skipped ${f.skips.count} times.`, fact_keys: ['skips.count'] },
      { text: `Your longest session lasted ${f.sessions.longest.minutes} minutes.`, fact_keys: ['sessions.longest.minutes'] },
    ],
    persona: { name: 'The devoted fan', description: 'Loyal to the end.' },
  };
}

describe('panel: Story (latest story, facts one click away, regenerate, persona timeline; template and fake Gemini)', function () {
  this.timeout(180_000);
  let browser: Browser;
  before(async () => { browser = await launchBrowser(); });
  after(async () => { await browser?.close(); });

  describe('with ai_provider none (the template)', () => {
    let server: PanelServer;
    let context: BrowserContext;
    let page: Page;
    let w: ReturnType<typeof watch>;
    let delayed: RegExp | null = null;
    const api = async (p: string) => (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/${p}`)).json() as Promise<any>;
    before(async () => {
      server = await startPanel({ imports: [{ files: [HISTORY], account: 'default' }], delay: (p) => (delayed?.test(p) ? 1500 : 0) });
      ({ context, page } = await newPage(browser));
      w = watch(page, server.origin);
    });
    // The page first: a panel still connected keeps the server's socket.io from closing.
    after(async () => { await context?.close(); await server?.close(); });

    it('opens on the period of the last day with data, shows what would be sent, and writes its story with progress', async () => {
      await page.goto(`${server.url}#/story`);
      const none = page.getByTestId('story-none');
      await none.waitFor();
      // The history ends Monday 9 December 2024: its week is the latest with data.
      expect(await textOf(page, '[data-testid=story-period]')).to.equal('Week of 9 Dec 2024');
      expect(await none.getByTestId('story-setup').textContent(), 'says how to get a model').to.match(/built-in template.*set ai_provider to gemini/);
      await none.getByTestId('story-preview').click();
      const preview = JSON.parse((await page.getByTestId('preview-json').textContent())!);
      const sent = await api('stories/facts?account=default&period=week&start=2024-12-09');
      expect(preview, 'the preview is exactly what /stories/facts says would be sent').to.deep.equal(sent.facts);
      delayed = /^\/api\/v1\/stories$/;
      await none.getByTestId('story-write').click();
      await page.getByTestId('story-writing').waitFor();
      await page.locator('[data-testid=story][data-source=template]').waitFor();
      delayed = null;
      const stored = (await api('stories?account=default&period=week')).stories;
      expect(stored).to.have.length(1);
      expect(stored[0].start).to.equal('2024-12-09');
      expect(await textOf(page, '[data-testid=story-title]')).to.equal(stored[0].title);
      expect(await page.getByTestId('story-writing').count(), 'the progress went away').to.equal(0);
    });

    it('renders the template story of a real week with each highlight\'s facts one click away, equal to /stories/{id}', async () => {
      // An address naming a Wednesday opens that Wednesday's week.
      await page.goto(`${server.url}#/story?start=2024-10-09`);
      await page.getByTestId('story-none').getByTestId('story-write').click();
      const card = page.locator('[data-testid=story][data-source=template]');
      await card.waitFor();
      const id = Number(await card.getAttribute('data-id'));
      const story = await api(`stories/${id}`);
      expect(story).to.include({ start: WEEK.start, status: 'template', provider: 'none' });
      expect(await textOf(page, '[data-testid=story-summary]')).to.equal(story.summary);
      expect(await page.getByTestId('story-highlights').locator('li').count()).to.equal(story.highlights.length);
      // The first highlight cites the week's top artist; its facts open with one click.
      const [artist, plays] = topArtistOfWeek();
      expect(story.highlights[0].fact_keys).to.deep.equal(['top_artists.0']);
      const first = page.getByTestId('story-highlights').locator('li').first();
      expect(await first.getByTestId('cited-facts').count()).to.equal(0);
      await first.getByTestId('highlight-facts').click();
      expect(await first.getByTestId('highlight-facts').getAttribute('aria-expanded')).to.equal('true');
      const shownPlays = await textOf(page, '[data-testid=story-highlights] li:first-child [data-key="top_artists.0.plays"]');
      expect(shownPlays, 'the cited value as /stories/{id} has it').to.equal(fmt(story.facts.top_artists[0].plays));
      expect(shownPlays, 'and as the export counts it').to.equal(fmt(plays));
      expect(await textOf(page, '[data-testid=story-highlights] li:first-child [data-key="top_artists.0.name"]')).to.equal(artist);
      // A cited percentage is shown in the reader's format.
      const rate = story.highlights.findIndex((h: any) => h.fact_keys.includes('skips.skip_rate_pct'));
      if (rate >= 0) {
        await page.getByTestId('story-highlights').locator('li').nth(rate).getByTestId('highlight-facts').click();
        expect(await textOf(page, '[data-key="skips.skip_rate_pct"]')).to.equal(`${new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(story.facts.skips.skip_rate_pct)}%`);
      }
      await page.getByTestId('story-sent').click();
      expect(JSON.parse((await page.getByTestId('facts-json').textContent())!), 'the whole facts payload').to.deep.equal(story.facts);
      expect(await textOf(page, '[data-testid=story-persona] b')).to.equal(story.persona.name);
      await shoot(page, 'story');
    });

    it('lists one persona per stored period, newest first, and moves to the previous period', async () => {
      for (const start of ['2024-09-23', '2024-09-30']) {
        const res = await fetch(`http://127.0.0.1:${server.app.port}/api/v1/stories`, { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ period: 'week', start, wait: true }) });
        expect(res.status).to.equal(201);
      }
      // A month's story does not belong on the weeks' timeline.
      await fetch(`http://127.0.0.1:${server.app.port}/api/v1/stories`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ period: 'month', start: '2024-10-01', wait: true }) });
      await page.goto(`${server.url}#/story?start=2024-10-07`);
      await page.locator('[data-testid=story][data-source=template]').waitFor();
      const starts = await page.getByTestId('personas').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-start')));
      expect(starts, 'the four weeks stored here, newest first').to.deep.equal(['2024-12-09', '2024-10-07', '2024-09-30', '2024-09-23']);
      expect(await page.getByTestId('personas').locator('li[aria-current=true]').getAttribute('data-start')).to.equal('2024-10-07');
      const personas = (await api('stories/personas?account=default&period=week')).personas;
      expect(await page.getByTestId('personas').locator('li b').allTextContents()).to.deep.equal(personas.map((p: any) => p.name).reverse());
      await page.getByTestId('story-prev').click();
      await page.locator('[data-testid=story]').filter({ has: page.getByTestId('story-title') }).waitFor();
      await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('start') === '2024-09-30');
      const shown = Number(await page.getByTestId('story').getAttribute('data-id'));
      expect(shown).to.equal(personas.find((p: any) => p.start === '2024-09-30').story_id);
      // Month: the month's story and a timeline of months.
      await page.getByRole('button', { name: 'Month', exact: true }).click();
      await page.getByTestId('personas').locator('li[data-start="2024-10-01"]').waitFor();
      expect(await page.getByTestId('personas').locator('li').count()).to.equal(1);
      expect(await textOf(page, '[data-testid=story-period]')).to.equal('October 2024');
      await shoot(page, 'story-month', [390]);
    });

    it('regenerates a story: progress, then the new story in place of the old', async () => {
      await page.goto(`${server.url}#/story?start=2024-10-07`);
      const card = page.locator('[data-testid=story][data-source=template]');
      await card.waitFor();
      const before = Number(await card.getAttribute('data-id'));
      delayed = /^\/api\/v1\/stories$/;
      await page.getByTestId('story-regenerate').click();
      await page.getByTestId('story-writing').waitFor();
      await page.waitForFunction((old) => { const el = document.querySelector('[data-testid=story]'); return el && Number(el.getAttribute('data-id')) !== old; }, before);
      delayed = null;
      const now = (await api('stories/personas?account=default&period=week')).personas.find((p: any) => p.start === WEEK.start).story_id;
      expect(Number(await page.getByTestId('story').getAttribute('data-id'))).to.equal(now);
      expect(now).to.not.equal(before);
    });

    it('shows the latest story\'s title on Overview, linking to it', async () => {
      await page.goto(`${server.url}#/overview?range=all`);
      const latest = (await api('stories?account=default&period=week&limit=1')).stories[0];
      await page.getByTestId('overview-story').waitFor();
      expect(await textOf(page, '[data-testid=overview-story-title]')).to.equal(latest.title);
      expect(await textOf(page, '[data-testid=overview-story] .label')).to.equal('Story · Week of 9 Dec 2024');
      await page.getByTestId('overview-story').click();
      await page.getByTestId('story').waitFor();
      expect(Number(await page.getByTestId('story').getAttribute('data-id'))).to.equal(latest.id);
      await shoot(page, 'overview-story', [390]);
    });

    it('loads the Story and Data pages\' code and texts only when they are first opened', async () => {
      const fresh = await newPage(browser);
      const scripts: string[] = [];
      fresh.page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname.split('/').pop()!); });
      await fresh.page.goto(`${server.url}#/now`);
      await fresh.page.getByTestId('recent').waitFor();
      const first = scripts.length;
      await fresh.page.evaluate(() => { location.hash = '#/story'; });
      await fresh.page.getByTestId('story').waitFor();
      const story = scripts.slice(first);
      expect(story, 'the Story page brought its own chunk').to.have.length.greaterThan(0);
      await fresh.page.evaluate(() => { location.hash = '#/data'; });
      await fresh.page.getByTestId('export').waitFor();
      expect(scripts.length, 'and Data its own').to.be.greaterThan(first + story.length);
      // The pages' texts travel with them: the first page's code holds none of the Story page's sentences.
      const firstPage = await Promise.all(scripts.slice(0, first).map(async (f) => (await fetch(`${server.url}${f}`)).text()));
      expect(firstPage.join('').includes('The facts it rests on')).to.equal(false);
      await fresh.context.close();
    });

    it('had no console errors, no failed requests, and contacted nothing but Vibescope', () => {
      expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
      expect(w.outside, w.outside.join('\n')).to.deep.equal([]);
    });
  });

  describe('with Gemini (a fake on 127.0.0.1)', () => {
    let server: PanelServer;
    let gemini: FakeAi;
    const api = async (p: string) => (await fetch(`http://127.0.0.1:${server.app.port}/api/v1/${p}`)).json() as Promise<any>;
    before(async () => {
      gemini = await startFakeGemini({ requestsPerMinute: 100 });
      server = await startPanel({ imports: [{ files: [HISTORY], account: 'default' }],
        options: { ai_provider: 'gemini', ai_base_url: `http://127.0.0.1:${gemini.port}`, ai_api_key: 'test-gemini-key', story_language: 'en' } });
    });
    after(async () => { await server?.close(); await gemini?.close(); });

    it('a failing provider shows the reason as a sentence and the template story; regenerating shows the model\'s story', async () => {
      const { context, page } = await newPage(browser);
      const w = watch(page, server.origin);
      gemini.answer({ status: 403, body: { error: { code: 403, message: 'Permission denied on resource project.', status: 'PERMISSION_DENIED' } } });
      await page.goto(`${server.url}#/story?start=${WEEK.start}`);
      await page.getByTestId('story-none').getByTestId('story-write').click();
      const failed = page.locator('[data-testid=story][data-status=failed][data-source=template]');
      await failed.waitFor();
      const story = await api(`stories/${await failed.getAttribute('data-id')}`);
      expect(story.error.reason).to.equal('auth');
      expect(await textOf(page, '[data-testid=story-title]'), 'the template story').to.equal(story.title);
      const notice = await textOf(page, '[data-testid=story-failed]');
      expect(notice).to.equal('The AI service refused the API key. Check ai_api_key in vibescope.yaml or in the environment as VIBESCOPE_AI_API_KEY, '
        + 'and that the key may use this model. The template story is shown instead.');
      expect(await page.getByTestId('story-setup').count(), 'a model is set up: no hint to set one').to.equal(0);
      // The same story in German: the reason in the reader's language.
      const de = await newPage(browser, { locale: 'de-DE' });
      const wde = watch(de.page, server.origin);
      await de.page.goto(`${server.url}#/story?start=${WEEK.start}`);
      await de.page.getByTestId('story-failed').waitFor();
      expect(await textOf(de.page, '[data-testid=story-failed]')).to.match(/^Der KI-Dienst hat den API-Schlüssel abgelehnt\. Prüfe ai_api_key/);
      await shoot(de.page, 'story-failed-de', [390]);
      expect(wde.problems, wde.problems.join('\n')).to.deep.equal([]);
      await de.context.close();

      const facts = (await api(`stories/facts?account=default&period=week&start=${WEEK.start}`)).facts;
      const good = groundedStory(facts);
      gemini.answer({ story: good });
      await page.getByTestId('story-regenerate').click();
      const accepted = page.locator('[data-testid=story][data-status=accepted][data-source=model]');
      await accepted.waitFor();
      expect(await textOf(page, '[data-testid=story-title]')).to.equal(good.title);
      expect(await textOf(page, '[data-testid=story-by]')).to.match(/^Written by gemini-2\.5-flash · .* · \d[\d,]* tokens · (\d[\d,]* ms|\d+(\.\d)? s)$/);
      expect(await page.getByTestId('story-failed').count()).to.equal(0);
      // The model's highlight cites a leaf: its value, one click away, is the facts' own.
      const third = page.getByTestId('story-highlights').locator('li').nth(2);
      await third.getByTestId('highlight-facts').click();
      expect(await textOf(page, '[data-key="sessions.longest.minutes"]')).to.equal(`${fmt(facts.sessions.longest.minutes)} min`);
      await page.getByTestId('story-sent').click();
      expect(await textOf(page, '[data-testid=story-sent]')).to.equal('What was sent');
      expect(JSON.parse((await page.getByTestId('facts-json').textContent())!)).to.deep.equal(facts);
      expect(gemini.seen.at(-1)!.body.contents[0].parts[0].text, 'the facts went to Gemini').to.contain(`"plays":${facts.totals.plays}`);
      await shoot(page, 'story-model');

      // A model that invents a number twice: rejected, the faults listed, the template shown.
      const invented = { ...good, title: `${facts.totals.plays + 977} plays with ${facts.top_artists[0].name} in front` };
      gemini.answer({ story: invented }, { story: invented });
      await page.getByTestId('story-regenerate').click();
      await page.locator('[data-testid=story][data-status=rejected][data-source=template]').waitFor();
      expect(await textOf(page, '[data-testid=story-rejected] li')).to.equal(`“${facts.totals.plays + 977}” in the title is not a number from your statistics.`);
      expect(w.problems, w.problems.join('\n')).to.deep.equal([]);
      expect(w.outside).to.deep.equal([]);
      await context.close();
    });
  });
});
