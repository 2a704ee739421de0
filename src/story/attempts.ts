import { setTimeout as sleep } from 'node:timers/promises';
import type { StoryFacts } from '../stats/index.js';
import { StoryProviderError } from '../errors.js';
import { checkGrounding, indexFacts, type GroundingResult } from './grounding.js';
import type { StoryLanguage } from './numbers.js';
import { firstRequest, retryMessages } from './prompt.js';
import { providerError, type StoryProvider, type ProviderRequest } from './provider.js';
import { parseStoryOutput, type StoryOutput, type StoryTone } from './schema.js';
import type { StoryAttempt } from './store.js';

/** Calls per story: the first and at most one retry, whatever went wrong (never a loop). */
export const MAX_ATTEMPTS = 2;

export interface ModelRunOptions {
  provider: StoryProvider;
  facts: StoryFacts;
  language: StoryLanguage;
  tone: StoryTone;
  libraryNames: readonly string[];
  /** Wait before retrying a 5xx, a timeout or a network failure (ms). */
  retryDelayMs: number;
  /** A 429 is retried only when the provider asks to wait at most this long (ms); longer, the story fails now. */
  maxRetryWaitMs: number;
  signal: AbortSignal;
  now: () => number;
}

/** How a model run ended: a grounded story, a rejected one (with its faults), or a provider failure. */
export interface ModelRun {
  output: StoryOutput | null;
  grounding: GroundingResult | null;
  rejected: { output: StoryOutput; grounding: GroundingResult } | null;
  error: StoryProviderError | null;
  attempts: StoryAttempt[];
  model: string;
}

/** Whether a failure is worth the one retry: transient ones, and a 429 whose wait is short. */
function retryable(err: StoryProviderError, maxWaitMs: number): boolean {
  if (err.reason === 'unavailable' || err.reason === 'timeout' || err.reason === 'network') return true;
  return err.reason === 'quota' && err.retryAfterMs !== undefined && err.retryAfterMs <= maxWaitMs;
}

/**
 * Asks the model for the story: at most {@link MAX_ATTEMPTS} calls. A reply that is not a valid story
 * or fails the grounding check is sent back once with its faults; a transient failure (5xx, timeout,
 * network, a 429 with a short Retry-After, honoured) is retried once; auth, safety blocks, other 4xx
 * and long quota waits fail at once.
 */
export async function runModel(o: ModelRunOptions): Promise<ModelRun> {
  const index = indexFacts(o.facts);
  const attempts: StoryAttempt[] = [];
  let request: ProviderRequest = firstRequest(o.facts, o.language, o.tone);
  let rejected: ModelRun['rejected'] = null;
  let model = o.provider.model;
  for (let n = 1; n <= MAX_ATTEMPTS; n++) {
    const last = n === MAX_ATTEMPTS;
    const started = o.now();
    const t0 = performance.now();
    try {
      const reply = await o.provider.generate(request, o.signal);
      model = reply.model;
      const base = { n, started_at: started, latency_ms: Math.round(performance.now() - t0), tokens: reply.tokens };
      const parsed = parseStoryOutput(reply.text);
      if (!parsed.ok) {
        attempts.push({ ...base, outcome: 'malformed', reason: 'malformed', problems: parsed.problems });
        if (last) return { output: null, grounding: null, rejected, attempts, model,
          error: providerError('malformed', { note: `: ${parsed.problems[0]}`, detail: parsed.problems.join('; ') }) };
        request = { ...request, messages: [...request.messages.slice(0, 1), ...retryMessages(reply.text, { schema: parsed.problems })] };
        continue;
      }
      const grounding = checkGrounding(parsed.output, o.facts, { language: o.language, libraryNames: o.libraryNames }, index);
      if (grounding.ok) {
        attempts.push({ ...base, outcome: 'accepted' });
        return { output: parsed.output, grounding, rejected: null, error: null, attempts, model };
      }
      attempts.push({ ...base, outcome: 'ungrounded', problems: grounding.violations.map((v) => `${v.field}: ${v.message}`) });
      rejected = { output: parsed.output, grounding };
      if (last) return { output: null, grounding: null, rejected, error: null, attempts, model };
      request = { ...request, messages: [...request.messages.slice(0, 1), ...retryMessages(reply.text, { violations: grounding.violations })] };
    } catch (err) {
      const e = err instanceof StoryProviderError ? err : providerError('network', { detail: (err as Error)?.message }, err);
      attempts.push({ n, started_at: started, latency_ms: Math.round(performance.now() - t0), tokens: null, outcome: 'failed', reason: e.reason,
        http_status: e.httpStatus, problems: e.detail ? [e.detail] : undefined });
      if (last || !retryable(e, o.maxRetryWaitMs) || o.signal.aborted) return { output: null, grounding: null, rejected, error: e, attempts, model };
      const wait = e.reason === 'quota' ? e.retryAfterMs! : o.retryDelayMs;
      try { await sleep(wait, undefined, { signal: o.signal }); } catch { return { output: null, grounding: null, rejected, error: e, attempts, model }; } // stopped while waiting
    }
  }
  throw new Error('unreachable: every attempt returns');
}
