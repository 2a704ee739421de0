import type { Bus } from '../bus.js';
import type { Config } from '../config/index.js';
import type { Health } from '../health.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { FactSources, PeriodKind, Stats, StoryFacts } from '../stats/index.js';
import { StoryProviderError } from '../errors.js';
import type { StoryReady } from '../types.js';
import { runModel, type ModelRun } from './attempts.js';
import { checkGrounding } from './grounding.js';
import type { StoryLanguage } from './numbers.js';
import { factsMessage, systemPrompt } from './prompt.js';
import { createProvider, type AiProvider, type ProviderOptions, type StoryProvider, type TokenUsage } from './provider.js';
import type { StoryTone } from './schema.js';
import { createStoryStore, type Story, type StoryStatus, type StorySummary } from './store.js';
import { templateStory } from './template.js';

export { registerStoryRecords, STORY_RECORD, type Story, type StorySummary, type StoryStatus, type StoryAttempt } from './store.js';
export { AI_PROVIDERS, DEFAULT_GEMINI_MODEL, type AiProvider, type TokenUsage } from './provider.js';
export { STORY_TONES, storyOutputSchema, type StoryOutput, type StoryTone } from './schema.js';
export { checkGrounding, indexFacts, GROUNDING_RULES, type GroundingResult, type Violation } from './grounding.js';
export { templateStory } from './template.js';
export { MAX_ATTEMPTS } from './attempts.js';
export type { StoryLanguage } from './numbers.js';
/** The languages stories are written in (the template's and the grounding of written-out numbers). */
export const STORY_LANGUAGES = ['en', 'de'] as const;

/** The story options of the config, with the language resolved (story_language, or Home Assistant's). */
export function storyConfigOf(config: Pick<Config, 'ai_provider' | 'ai_base_url' | 'ai_model' | 'ai_api_key' | 'ai_timeout_s' | 'story_tone'>,
  language: StoryLanguage): StoryConfig {
  return { provider: config.ai_provider, baseUrl: config.ai_base_url, model: config.ai_model, apiKey: config.ai_api_key,
    timeoutMs: config.ai_timeout_s * 1000, tone: config.story_tone, language };
}

/** The story options, resolved (main.ts: language from story_language or Home Assistant's). */
export interface StoryConfig extends ProviderOptions {
  language: StoryLanguage;
  tone: StoryTone;
}

export interface StoriesDeps {
  store: Store; stats: Stats; bus: Bus; health: Health; log: Logger;
  config: StoryConfig;
  /** Genres and obscurity from the metadata capability, when it runs (empty otherwise). */
  sources?: FactSources;
  now?: () => number;
  /** Wait before the retry of a transient failure (default 2 s). */
  retryDelayMs?: number;
  /** Longest 429 wait honoured before the one retry (default 60 s); longer waits fail at once. */
  maxRetryWaitMs?: number;
  /** Replaces the provider (tests). */
  provider?: StoryProvider | null;
}

/** A request for a story (POST /api/v1/stories, `vibescope story`, the weekly job). */
export interface StoryRequest {
  account: string;
  period: PeriodKind;
  /** Any date inside the period (YYYY-MM-DD); default the last complete period. */
  start?: string | undefined;
  /** Regenerate even when the period has a story (it is replaced). */
  force?: boolean | undefined;
}

const HEALTH_ID = 'story';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The option story_schedule ("mon 08:00", "off") as a cron rule for node-schedule, or null when off. */
export function storyCron(schedule: string): string | null {
  const m = /^(mon|tue|wed|thu|fri|sat|sun) (\d{2}):(\d{2})$/.exec(schedule);
  return m ? `${Number(m[3])} ${Number(m[2])} * * ${WEEKDAYS.indexOf(m[1]!)}` : null;
}

function sumTokens(run: ModelRun): TokenUsage | null {
  const used = run.attempts.map((a) => a.tokens).filter((t): t is TokenUsage => t !== null);
  if (used.length === 0) return null;
  const add = (k: keyof TokenUsage) => (used.some((t) => t[k] !== null) ? used.reduce((a, t) => a + (t[k] ?? 0), 0) : null);
  return { input: add('input'), output: add('output'), total: add('total') };
}

/** The bus payload (and Home Assistant's view) of a story. */
export function storyReady(s: StorySummary): StoryReady {
  return { id: s.id, account: s.account, period: s.period, start: s.start, end: s.end, title: s.title, summary: s.summary,
    highlights: s.highlights.map((h) => h.text), persona: s.persona, status: s.status, source: s.source, created_at: s.created_at };
}

/**
 * Stories (issue 14): the facts of a period (stats) → the configured provider (Gemini, an
 * OpenAI-compatible server, or none) → the grounding check → a stored, journaled story and persona;
 * the template story whenever no model story passes. Idempotent per account and period unless forced;
 * concurrent requests for one period share one generation. Failures are stored with their reason,
 * reported to health (`story`) and never retried more than once.
 */
export function createStories({ store, stats, bus, health, log, config, sources = {}, now = Date.now, retryDelayMs = 2_000,
  maxRetryWaitMs = 60_000, provider: given }: StoriesDeps) {
  const stories = createStoryStore(store);
  const running = new Map<string, Promise<{ story: Story; created: boolean }>>();
  const abort = new AbortController();
  let provider: Promise<StoryProvider | null> | null = given === undefined ? null : Promise.resolve(given);

  function getProvider(): Promise<StoryProvider | null> {
    provider ??= createProvider(config).catch((err: unknown) => { provider = null; throw err; });
    return provider;
  }

  /** The facts of a request, as the provider would get them. @throws BadParamError for a bad start date. */
  function factsOf(request: Pick<StoryRequest, 'account' | 'period' | 'start'>): StoryFacts {
    return stats.facts({ account: request.account, period: request.period, start: request.start, now: now() }, sources);
  }

  async function produce(request: StoryRequest, facts: StoryFacts): Promise<Story> {
    const createdAt = now();
    const template = templateStory(facts, config.language, config.tone);
    const libraryNames = stories.libraryNames(request.account);
    const templateCheck = checkGrounding(template, facts, { language: config.language, libraryNames });
    if (!templateCheck.ok) log.error({ violations: templateCheck.violations }, 'story: the template story failed its own grounding check');
    let run: ModelRun | null = null;
    let setupError: StoryProviderError | null = null;
    if (config.provider !== 'none' && facts.totals.plays > 0) {
      try {
        const p = await getProvider();
        if (p) run = await runModel({ provider: p, facts, language: config.language, tone: config.tone, libraryNames, retryDelayMs,
          maxRetryWaitMs, signal: abort.signal, now });
      } catch (err) {
        if (!(err instanceof StoryProviderError)) throw err;
        setupError = err;
      }
    }
    // Stopped while the provider was asked (shutdown): store nothing, so the next request writes the story.
    if (abort.signal.aborted) throw new Error('story: stopped before the provider answered; nothing was stored');
    const error = setupError ?? run?.error ?? null;
    const status: StoryStatus = run?.output ? 'accepted' : error ? 'failed' : run?.rejected ? 'rejected' : 'template';
    const shown = run?.output ?? template;
    return stories.save((id) => ({
      id, account: request.account, period: facts.period.kind, start: facts.period.start, end: facts.period.end, created_at: createdAt,
      status, source: run?.output ? 'model' : 'template', language: config.language, tone: config.tone, provider: config.provider,
      model: config.provider === 'none' ? null : run?.model ?? config.model ?? null,
      tokens: run ? sumTokens(run) : null,
      latency_ms: run && run.attempts.length ? run.attempts.reduce((a, x) => a + x.latency_ms, 0) : null,
      attempts: run?.attempts ?? [], ...shown, grounding: run?.grounding ?? templateCheck, rejected: run?.rejected ?? null,
      error: error ? { reason: error.reason, message: error.message, http_status: error.httpStatus ?? null,
        retry_after_s: error.retryAfterMs === undefined ? null : Math.ceil(error.retryAfterMs / 1000) } : null,
      facts,
    }));
  }

  function report(story: Story): void {
    if (story.status === 'failed' && story.error) {
      health.report(HEALTH_ID, { code: `STORY_${story.error.reason.toUpperCase()}`, message: story.error.message });
      log.warn({ account: story.account, period: story.period, start: story.start, reason: story.error.reason, http_status: story.error.http_status,
        attempts: story.attempts.length }, 'story: the provider gave no usable story; the template is shown');
    } else {
      if (config.provider === 'none' || story.status !== 'template') health.clear(HEALTH_ID);
      if (story.status === 'rejected') {
        log.warn({ account: story.account, period: story.period, start: story.start, violations: story.rejected?.grounding.violations.length },
          'story: the model\'s story failed the grounding check twice; the template is shown');
      } else {
        log.info({ account: story.account, period: story.period, start: story.start, status: story.status, tokens: story.tokens?.total ?? null,
          latency_ms: story.latency_ms }, 'story stored');
      }
    }
  }

  /**
   * The story of an account's period: the stored one, or a new one (when there is none, or `force`).
   * Resolves once the story is journaled and stored; emits `story.created` for a new one.
   * @throws BadParamError for a bad start date.
   * @throws StorageError when the journal cannot be written (nothing is stored).
   */
  function generate(request: StoryRequest): Promise<{ story: Story; created: boolean }> {
    const facts = factsOf(request);
    const key = `${request.account}|${facts.period.kind}|${facts.period.start}`;
    const existing = stories.find(request.account, facts.period.kind, facts.period.start);
    if (existing && !request.force) return Promise.resolve({ story: existing, created: false });
    const inFlight = running.get(key);
    if (inFlight) return inFlight;
    const job = (async () => {
      const story = await produce(request, facts);
      report(story);
      bus.emit('story.created', storyReady(story));
      return { story, created: true };
    })().finally(() => running.delete(key));
    running.set(key, job);
    return job;
  }

  /** The weekly job: last week's story for every account, one after the other; failures are stored, never thrown. */
  async function weekly(accounts: readonly string[]): Promise<void> {
    for (const account of accounts) {
      try {
        await generate({ account, period: 'week' });
      } catch (err) {
        log.error({ err, account }, 'story: the weekly story could not be stored');
      }
    }
  }

  return {
    /**
     * Loads the configured provider's SDK and reports a missing option to health now, rather than at the
     * first story (a Gemini without a key, an OpenAI-compatible server without a model).
     */
    async start(): Promise<void> {
      if (config.provider === 'none') return;
      try {
        await getProvider();
      } catch (err) {
        if (!(err instanceof StoryProviderError)) throw err;
        health.report(HEALTH_ID, { code: 'STORY_CONFIG', message: err.message });
        log.error({ reason: err.reason }, 'story: the AI provider is not set up; stories use the template');
      }
    },
    generate,
    weekly,
    /** Exactly what a provider would be sent for a period: the facts and the prompt (GET /api/v1/stories/facts). */
    preview(request: Pick<StoryRequest, 'account' | 'period' | 'start'>) {
      const facts = factsOf(request);
      const user = factsMessage(facts);
      return { facts, prompt: { system: systemPrompt(config.language, config.tone), user }, bytes: Buffer.byteLength(JSON.stringify(facts)),
        provider: config.provider, language: config.language, tone: config.tone };
    },
    get: (id: number) => stories.get(id),
    list: stories.list,
    personas: stories.personas,
    /** The newest stored story of an account's period kind (Home Assistant's weekly story at start-up). */
    latest(account: string, period: PeriodKind = 'week'): StoryReady | null {
      const s = stories.list({ account, period, limit: 1 })[0];
      return s ? storyReady(s) : null;
    },
    /** Whether a generation runs for the key (account|period|start). */
    isRunning: (account: string, period: PeriodKind, start: string) => running.has(`${account}|${period}|${start}`),
    /** Aborts provider calls in flight (shutdown); their stories fail with a timeout and are stored. Idempotent. */
    async stop(): Promise<void> {
      abort.abort();
      await Promise.allSettled([...running.values()]);
    },
    provider: config.provider as AiProvider,
  };
}

/** The stories capability. */
export type Stories = ReturnType<typeof createStories>;
