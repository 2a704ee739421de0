import { expect } from 'chai';
import net from 'node:net';
import { startFakeGemini, startFakeOpenAi, type FakeAi } from '../support/fake-ai.js';
import { fixture } from '../support/fixtures.js';
import { coreWithHistory, goodStory, storiesFor, WEEK, NOW, type TestCore } from './support.js';
import { templateStory } from '../../src/story/index.js';
import type { StoryFacts } from '../../src/stats/index.js';

describe('story: providers against fake Gemini and OpenAI-compatible servers (loopback only)', function () {
  this.timeout(60_000);
  let core: TestCore;
  let facts: StoryFacts;
  let gemini: FakeAi;
  let openai: FakeAi;

  before(async () => {
    core = await coreWithHistory();
    facts = core.stats.facts({ account: 'default', period: 'week', start: WEEK, now: NOW });
  });
  after(async () => { await core.close(); });
  beforeEach(async () => {
    gemini = await startFakeGemini();
    openai = await startFakeOpenAi();
    core.health.clear('story');
  });
  afterEach(async () => { await gemini.close(); await openai.close(); });

  const geminiConfig = (extra = {}) => ({ provider: 'gemini' as const, baseUrl: `http://127.0.0.1:${gemini.port}`, apiKey: 'test-gemini-key', ...extra });
  const openaiConfig = (extra = {}) => ({ provider: 'openai_compatible' as const, baseUrl: `http://127.0.0.1:${openai.port}/v1`, apiKey: 'test-openai-key',
    model: 'llama3.1:8b', ...extra });
  const generate = (stories: ReturnType<typeof storiesFor>) => stories.generate({ account: 'default', period: 'week', start: WEEK, force: true });

  describe('Gemini (@google/genai)', () => {
    it('stores a grounded story with its tokens, latency and model; the request asks for JSON under a response schema', async () => {
      gemini.answer({ story: goodStory(facts) });
      const stories = storiesFor(core, geminiConfig());
      const { story, created } = await generate(stories);
      expect(created).to.equal(true);
      expect(story.status).to.equal('accepted');
      expect(story.source).to.equal('model');
      expect(story.title).to.equal(goodStory(facts).title);
      expect(story.provider).to.equal('gemini');
      expect(story.model).to.equal('gemini-2.5-flash');
      expect(story.tokens!.input).to.be.greaterThan(100);
      expect(story.tokens!.total).to.equal(story.tokens!.input! + story.tokens!.output!);
      expect(story.latency_ms).to.be.a('number').and.at.least(0);
      expect(story.grounding.ok).to.equal(true);
      expect(gemini.seen).to.have.length(1);
      const body = gemini.seen[0]!.body;
      expect(gemini.seen[0]!.path).to.equal('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(body.generationConfig.responseMimeType).to.equal('application/json');
      expect(body.generationConfig.responseSchema.type).to.equal('OBJECT');
      expect(body.systemInstruction.parts[0].text).to.include('Use only numbers that appear in the facts');
      // Exactly what GET /api/v1/stories/facts shows is what was sent.
      expect(body.contents[0].parts[0].text).to.equal(stories.preview({ account: 'default', period: 'week', start: WEEK }).prompt.user);
      expect(body.contents[0].parts[0].text).to.include(JSON.stringify(facts));
      expect(core.health.has('story')).to.equal(false);
    });

    it('catches an invented number, retries once listing it, and accepts the fixed reply', async () => {
      const bad = goodStory(facts);
      bad.summary = `You played ${facts.totals.plays + 7} tracks, and ${facts.top_artists[0]!.name} led the way.`;
      gemini.answer({ story: bad }, { story: goodStory(facts) });
      const { story } = await generate(storiesFor(core, geminiConfig()));
      expect(story.status).to.equal('accepted');
      expect(story.summary).to.equal(goodStory(facts).summary);
      expect(story.attempts.map((a) => a.outcome)).to.deep.equal(['ungrounded', 'accepted']);
      expect(gemini.seen).to.have.length(2);
      const retry = gemini.seen[1]!.body.contents;
      expect(retry).to.have.length(3);
      expect(retry[1].role).to.equal('model');
      expect(retry[2].parts[0].text).to.include(`"${facts.totals.plays + 7}" is not in the facts`);
      expect(story.tokens!.total).to.equal(story.attempts.reduce((a, x) => a + x.tokens!.total!, 0));
    });

    it('catches an artist not in the facts and a cited key that does not exist; two bad replies fall back to the template', async () => {
      const inventsArtist = goodStory(facts);
      inventsArtist.highlights.push({ text: 'You also had a soft spot for Phoebe Bridgers.', fact_keys: ['top_artists'] });
      const missingKey = goodStory(facts);
      missingKey.highlights[0]!.fact_keys = ['top_artists.9'];
      gemini.answer({ story: inventsArtist }, { story: missingKey });
      const { story } = await generate(storiesFor(core, geminiConfig()));
      expect(story.status).to.equal('rejected');
      expect(story.source).to.equal('template');
      const template = templateStory(facts, 'en', 'friendly');
      expect(story.title).to.equal(template.title);
      expect(story.highlights).to.deep.equal(template.highlights);
      expect(story.grounding.ok, 'the template shown is grounded').to.equal(true);
      expect(gemini.seen).to.have.length(2, 'one retry, never a loop');
      expect(story.attempts[0]!.problems!.join(' ')).to.include('Phoebe Bridgers');
      expect(story.rejected!.grounding.violations.map((v) => v.rule)).to.include('key');
      expect(story.rejected!.grounding.violations.map((v) => v.text)).to.include('top_artists.9');
      expect(core.health.has('story'), 'a rejected story is not a provider failure').to.equal(false);
    });

    it('a refused key (400 API_KEY_INVALID) fails at once as auth: one request, health names the option', async () => {
      const { story } = await generate(storiesFor(core, geminiConfig({ apiKey: 'wrong-key' })));
      expect(story.status).to.equal('failed');
      expect(story.error!.reason).to.equal('auth');
      expect(story.error!.http_status).to.equal(400);
      expect(story.source).to.equal('template');
      expect(gemini.seen).to.have.length(1);
      const problem = core.health.state().problems.find((p) => p.id === 'story')!;
      expect(problem.code).to.equal('STORY_AUTH');
      expect(problem.message).to.include('ai_api_key').and.not.include('wrong-key');
      // Nothing else breaks: stats still answer.
      expect(core.stats.summary({ from: 0, to: NOW, account: 'default' }).plays).to.be.greaterThan(0);
    });

    it('honours a 429 RetryInfo delay before its one retry', async () => {
      const quota = fixture('ai/gemini_error_quota-retryinfo.json');
      quota.error.details[0].retryDelay = '1s';
      gemini.answer({ status: 429, body: quota }, { story: goodStory(facts) });
      const t0 = Date.now();
      const { story } = await generate(storiesFor(core, geminiConfig(), { retryDelayMs: 0 }));
      expect(story.status).to.equal('accepted');
      expect(gemini.seen).to.have.length(2);
      expect(Date.now() - t0).to.be.at.least(950, 'retryDelay 1s was honoured');
      expect(story.attempts[0]!.outcome).to.equal('failed');
      expect(story.attempts[0]!.reason).to.equal('quota');
    });

    it('a 429 without RetryInfo (a daily quota) fails at once, and so does one asking for a longer wait than honoured', async () => {
      gemini.answer({ status: 429, body: fixture('ai/gemini_error_quota-daily.json') });
      const first = await generate(storiesFor(core, geminiConfig()));
      expect(first.story.status).to.equal('failed');
      expect(first.story.error!.reason).to.equal('quota');
      expect(first.story.error!.retry_after_s).to.equal(null);
      expect(gemini.seen).to.have.length(1);
      gemini.answer({ status: 429, body: fixture('ai/gemini_error_quota-retryinfo.json') });
      const second = await generate(storiesFor(core, geminiConfig(), { maxRetryWaitMs: 10_000 }));
      expect(second.story.error!.retry_after_s).to.equal(53);
      expect(second.story.error!.message).to.include('53 s');
      expect(gemini.seen).to.have.length(2, 'no retry for a 53 s wait');
      expect(core.health.state().problems.find((p) => p.id === 'story')!.code).to.equal('STORY_QUOTA');
    });

    it('500 twice: one retry, then failed as unavailable', async () => {
      const internal = { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } };
      gemini.answer({ status: 500, body: internal }, { status: 500, body: internal }, { story: goodStory(facts) });
      const { story } = await generate(storiesFor(core, geminiConfig()));
      expect(story.status).to.equal('failed');
      expect(story.error!.reason).to.equal('unavailable');
      expect(story.error!.http_status).to.equal(500);
      expect(gemini.seen).to.have.length(2);
    });

    it('a reply slower than ai_timeout_s: one retry, then failed as timeout', async () => {
      gemini.answer({ delayMs: 1_500, then: { story: goodStory(facts) } }, { delayMs: 1_500, then: { story: goodStory(facts) } });
      const t0 = Date.now();
      const { story } = await generate(storiesFor(core, geminiConfig({ timeoutMs: 300 })));
      expect(story.status).to.equal('failed');
      expect(story.error!.reason).to.equal('timeout');
      expect(story.error!.message).to.include('ai_timeout_s');
      expect(gemini.seen).to.have.length(2);
      expect(Date.now() - t0).to.be.below(1_400, 'the client gave up at the timeout, it did not wait for the reply');
    });

    it('a blocked prompt (promptFeedback.blockReason) fails at once as blocked', async () => {
      gemini.answer({ blocked: 'SAFETY' });
      const { story } = await generate(storiesFor(core, geminiConfig()));
      expect(story.status).to.equal('failed');
      expect(story.error!.reason).to.equal('blocked');
      expect(story.error!.message).to.include('SAFETY');
      expect(gemini.seen).to.have.length(1);
    });

    it('malformed JSON twice: one retry naming the fault, then failed as malformed', async () => {
      gemini.answer({ story: '{"title": "Your week", "summary": ' }, { story: { title: 'x'.repeat(120), summary: 'A.', highlights: [], persona: { name: 'a', description: 'b' } } });
      const { story } = await generate(storiesFor(core, geminiConfig()));
      expect(story.status).to.equal('failed');
      expect(story.error!.reason).to.equal('malformed');
      expect(gemini.seen).to.have.length(2);
      expect(gemini.seen[1]!.body.contents[2].parts[0].text).to.include('not JSON');
      expect(story.attempts[1]!.problems!.join(' ')).to.match(/title|highlights/);
    });
  });

  describe('OpenAI-compatible (openai)', () => {
    it('stores a grounded story asked for under json_schema, with tokens and latency', async () => {
      openai.answer({ story: goodStory(facts) });
      const { story } = await generate(storiesFor(core, openaiConfig()));
      expect(story.status).to.equal('accepted');
      expect(story.provider).to.equal('openai_compatible');
      expect(story.model).to.equal('llama3.1:8b');
      expect(story.tokens!.total).to.be.greaterThan(100);
      expect(openai.seen).to.have.length(1);
      const body = openai.seen[0]!.body;
      expect(body.response_format.type).to.equal('json_schema');
      expect(body.response_format.json_schema.strict).to.equal(true);
      expect(body.messages[0].role).to.equal('system');
      expect(openai.seen[0]!.headers.authorization).to.equal('Bearer test-openai-key');
    });

    it('falls back to JSON mode once when the server refuses json_schema, and keeps JSON mode afterwards', async () => {
      await openai.close();
      openai = await startFakeOpenAi({ jsonSchema: false });
      openai.answer({ story: goodStory(facts) }, { story: goodStory(facts) });
      const stories = storiesFor(core, openaiConfig({ baseUrl: `http://127.0.0.1:${openai.port}/v1` }));
      const { story } = await generate(stories);
      expect(story.status).to.equal('accepted');
      expect(story.attempts).to.have.length(1);
      expect(openai.seen.map((s) => s.body.response_format.type)).to.deep.equal(['json_schema', 'json_object']);
      await generate(stories);
      expect(openai.seen.map((s) => s.body.response_format.type)).to.deep.equal(['json_schema', 'json_object', 'json_object']);
    });

    it('401 fails at once as auth; a 429 with Retry-After is retried once after the wait', async () => {
      const failed = await generate(storiesFor(core, openaiConfig({ apiKey: 'sk-wrong' })));
      expect(failed.story.error!.reason).to.equal('auth');
      expect(failed.story.error!.http_status).to.equal(401);
      expect(openai.seen).to.have.length(1);
      openai.answer({ status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } } },
        { story: goodStory(facts) });
      const t0 = Date.now();
      const ok = await generate(storiesFor(core, openaiConfig()));
      expect(ok.story.status).to.equal('accepted');
      expect(openai.seen).to.have.length(3);
      expect(Date.now() - t0).to.be.at.least(950, 'Retry-After: 1 was honoured');
      expect(core.health.has('story'), 'a good story clears the problem').to.equal(false);
    });

    it('content_filter fails as blocked; 503 twice fails as unavailable after one retry', async () => {
      openai.answer({ blocked: 'content_filter' });
      const blocked = await generate(storiesFor(core, openaiConfig()));
      expect(blocked.story.error!.reason).to.equal('blocked');
      expect(openai.seen).to.have.length(1);
      const down = { error: { message: 'The server is overloaded', type: 'server_error', param: null, code: null } };
      openai.answer({ status: 503, body: down }, { status: 503, body: down });
      const unavailable = await generate(storiesFor(core, openaiConfig()));
      expect(unavailable.story.error!.reason).to.equal('unavailable');
      expect(openai.seen).to.have.length(3);
    });

    it('a server that is not there fails as network after one retry', async () => {
      await openai.close();
      const { story } = await generate(storiesFor(core, openaiConfig()));
      expect(story.status).to.equal('failed');
      expect(story.error!.reason).to.equal('network');
      expect(story.attempts).to.have.length(2);
      openai = await startFakeOpenAi();
    });
  });

  describe('ai_provider none', () => {
    it('writes the template story and never opens a socket', async () => {
      const connect = net.Socket.prototype.connect;
      let opened = 0;
      net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) { opened++; return (connect as (...a: unknown[]) => net.Socket).apply(this, args); } as typeof connect;
      try {
        const stories = storiesFor(core, { provider: 'none' });
        await stories.start();
        const { story } = await generate(stories);
        expect(story.status).to.equal('template');
        expect(story.provider).to.equal('none');
        expect(story.model).to.equal(null);
        expect(story.tokens).to.equal(null);
        expect(story.grounding.ok).to.equal(true);
      } finally {
        net.Socket.prototype.connect = connect;
      }
      expect(opened).to.equal(0);
      expect(gemini.connections + openai.connections).to.equal(0);
    });

    it('a Gemini without ai_api_key is reported to health at start and stories use the template', async () => {
      const stories = storiesFor(core, { provider: 'gemini', baseUrl: `http://127.0.0.1:${gemini.port}` });
      await stories.start();
      expect(core.health.state().problems.find((p) => p.id === 'story')!.message).to.include('ai_api_key');
      const { story } = await generate(stories);
      expect(story.status).to.equal('failed');
      expect(story.error!.reason).to.equal('config');
      expect(gemini.connections).to.equal(0);
    });
  });
});
