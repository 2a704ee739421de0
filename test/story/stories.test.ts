import { expect } from 'chai';
import { startFakeGemini, type FakeAi } from '../support/fake-ai.js';
import { memoryLogger, waitFor } from '../support/helpers.js';
import { coreWithHistory, goodStory, storiesFor, WEEK, NOW, type TestCore } from './support.js';
import { storyCron } from '../../src/story/index.js';
import { createScheduler } from '../../src/scheduler.js';
import type { StoryReady } from '../../src/types.js';

describe('story: one story per period, shared generations, events, the weekly rule', function () {
  this.timeout(60_000);
  let core: TestCore;
  let gemini: FakeAi;
  before(async () => { core = await coreWithHistory(); });
  after(async () => { await core.close(); });
  beforeEach(async () => { gemini = await startFakeGemini(); });
  afterEach(async () => { await gemini.close(); });
  const config = () => ({ provider: 'gemini' as const, baseUrl: `http://127.0.0.1:${gemini.port}`, apiKey: 'test-gemini-key' });

  it('is idempotent per period unless forced; concurrent requests share one call; force replaces the story', async () => {
    const facts = core.stats.facts({ account: 'default', period: 'week', start: WEEK, now: NOW });
    gemini.answer({ delayMs: 200, then: { story: goodStory(facts) } }, { story: { ...goodStory(facts), title: 'Again: one week' } });
    const stories = storiesFor(core, config());
    const events: StoryReady[] = [];
    const off = core.bus.on('story.created', 'test', (s) => { events.push(s); });
    const [a, b] = await Promise.all([stories.generate({ account: 'default', period: 'week', start: WEEK }),
      stories.generate({ account: 'default', period: 'week', start: '2024-10-12' })]);
    expect(a.story.id).to.equal(b.story.id);
    expect(gemini.seen).to.have.length(1);
    const again = await stories.generate({ account: 'default', period: 'week', start: WEEK });
    expect(again).to.deep.include({ created: false });
    expect(gemini.seen).to.have.length(1);
    const forced = await stories.generate({ account: 'default', period: 'week', start: WEEK, force: true });
    expect(forced.story.title).to.equal('Again: one week');
    expect(forced.story.id).to.not.equal(a.story.id);
    expect(stories.list({ account: 'default', period: 'week', limit: 10 }).filter((s) => s.start === WEEK)).to.have.length(1);
    expect(stories.get(a.story.id)).to.equal(null);
    expect(events.map((e) => [e.id, e.title, e.status])).to.deep.equal([[a.story.id, a.story.title, 'accepted'], [forced.story.id, 'Again: one week', 'accepted']]);
    expect(stories.latest('default')!.title).to.equal('Again: one week');
    off();
  });

  it('stopping while the provider thinks stores nothing, so the next request writes the story', async () => {
    const facts = core.stats.facts({ account: 'default', period: 'week', start: '2024-11-04', now: NOW });
    gemini.answer({ delayMs: 5_000, then: { story: goodStory(facts) } }, { story: goodStory(facts) });
    const stories = storiesFor(core, config());
    const pending = stories.generate({ account: 'default', period: 'week', start: '2024-11-04' });
    await waitFor(() => gemini.seen.length === 1, { what: 'the request at the fake' });
    await stories.stop();
    let failure: Error | null = null;
    await pending.catch((err: Error) => { failure = err; });
    expect(failure!.message).to.include('nothing was stored');
    expect(stories.list({ account: 'default', period: 'week', limit: 100 }).some((s) => s.start === '2024-11-04')).to.equal(false);
    const next = await storiesFor(core, config()).generate({ account: 'default', period: 'week', start: '2024-11-04' });
    expect(next).to.deep.include({ created: true });
    expect(next.story.status).to.equal('accepted');
  });

  it('the weekly job writes last week\'s story for every account and never throws', async () => {
    const stories = storiesFor(core, { provider: 'none' });
    await stories.weekly(['default', 'nobody']);
    const written = stories.list({ period: 'week', limit: 50 });
    const lastWeek = core.stats.facts({ account: 'default', period: 'week', now: NOW }).period.start;
    expect(written.filter((s) => s.start === lastWeek).map((s) => s.account).sort()).to.deep.equal(['default', 'nobody']);
    expect(written.find((s) => s.account === 'nobody')!.title).to.equal('A quiet week');
  });

  it('story_schedule becomes a cron rule the scheduler runs (mon 08:00 → minute 0, hour 8, Monday), off none', () => {
    expect(storyCron('mon 08:00')).to.equal('0 8 * * 1');
    expect(storyCron('sun 23:45')).to.equal('45 23 * * 0');
    expect(storyCron('off')).to.equal(null);
    const { log } = memoryLogger();
    const scheduler = createScheduler({ log, timeZone: 'Europe/Berlin', compact: async () => null,
      jobs: [{ name: 'weekly story', cron: storyCron('mon 08:00')!, run: async () => null }] });
    scheduler.start();
    scheduler.stop();
  });

  it('the AI key never reaches the log', () => {
    const { log, lines } = memoryLogger();
    const secret = 'AIza-SECRET-KEY-42';
    log.child({ module: 'story' }).info({ ai_api_key: secret, config: { ai_api_key: secret }, request: { headers: { 'x-goog-api-key': secret } } }, 'story');
    expect(lines.join('\n')).to.not.include(secret);
  });
});
