import { StoryProviderError, type StoryFailureReason } from '../errors.js';
import { createGeminiProvider } from './gemini.js';
import { createOpenAiProvider } from './openai.js';

/** Option ai_provider. */
export const AI_PROVIDERS = ['none', 'gemini', 'openai_compatible'] as const;
export type AiProvider = (typeof AI_PROVIDERS)[number];

/** Gemini's default model (option ai_model unset). */
export const DEFAULT_GEMINI_MODEL = 'gemini-2.5-flash';

/** One conversation turn sent to a model. */
export interface ProviderMessage { role: 'user' | 'assistant'; text: string }

/** What a provider is asked: the instructions and the turns (the facts, then on a retry the reply and its faults). */
export interface ProviderRequest { system: string; messages: ProviderMessage[] }

/** Tokens as the provider counted them (Gemini usageMetadata, OpenAI usage); null where it did not say. */
export interface TokenUsage { input: number | null; output: number | null; total: number | null }

/** A provider's answer: the reply text (JSON expected), tokens, why it stopped, the model that answered. */
export interface ProviderReply { text: string; tokens: TokenUsage; finish_reason: string | null; model: string }

/** A model behind an SDK. `generate` throws StoryProviderError for every failure (never an SDK error). */
export interface StoryProvider {
  id: Exclude<AiProvider, 'none'>;
  model: string;
  generate(request: ProviderRequest, signal: AbortSignal): Promise<ProviderReply>;
}

/** The provider options (config: ai_provider, ai_base_url, ai_model, ai_api_key, ai_timeout_s). */
export interface ProviderOptions {
  provider: AiProvider;
  baseUrl?: string | undefined;
  model?: string | undefined;
  apiKey?: string | undefined;
  timeoutMs: number;
}

const SENTENCES: Record<StoryFailureReason, (status: string, extra: string) => string> = {
  auth: (s) => `The AI provider refused the API key${s}. Check ai_api_key (and that the key may use this model).`,
  quota: (s, extra) => `The AI provider's quota or rate limit is used up${s}${extra}. The template story is shown; ask again later.`,
  unavailable: (s) => `The AI provider had a server error${s}. The template story is shown; ask again later.`,
  timeout: (_s, extra) => `The AI provider did not answer in time${extra}. Ask again later, or raise ai_timeout_s for a slow local model.`,
  network: (_s, extra) => `Vibescope could not reach the AI provider${extra}. Check ai_base_url and the network.`,
  blocked: (_s, extra) => `The AI provider's safety filter blocked the story${extra}. The template story is shown.`,
  malformed: (_s, extra) => `The AI provider's reply was not a valid story${extra}. The template story is shown.`,
  bad_request: (s, extra) => `The AI provider refused the request${s}${extra}. Check ai_model and ai_base_url.`,
  config: (_s, extra) => `The story provider is not set up${extra}.`,
};

/** A StoryProviderError with the sentence for its reason. */
export function providerError(reason: StoryFailureReason, extra: { httpStatus?: number | undefined; retryAfterMs?: number | undefined;
  detail?: string | undefined; note?: string } = {}, cause?: unknown): StoryProviderError {
  const status = extra.httpStatus ? ` (HTTP ${extra.httpStatus})` : '';
  const wait = extra.retryAfterMs !== undefined ? `; it asked to wait ${Math.ceil(extra.retryAfterMs / 1000)} s` : '';
  const note = extra.note ? `: ${extra.note}` : reason === 'quota' ? wait : '';
  return new StoryProviderError(reason, SENTENCES[reason](status, note), {
    ...(extra.httpStatus === undefined ? {} : { httpStatus: extra.httpStatus }),
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    ...(extra.detail === undefined ? {} : { detail: extra.detail.slice(0, 500) }),
  }, cause === undefined ? undefined : { cause });
}

/** The reason of an HTTP status (401/403 auth, 429 quota, 408 timeout, 5xx unavailable, other 4xx bad request). */
export function reasonOfStatus(status: number): StoryFailureReason {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'quota';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'unavailable';
  return 'bad_request';
}

/** The network error code of a fetch failure (undici puts it on `cause`), or null. */
export function networkCode(err: unknown): string | null {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Creates the configured provider, loading its SDK only then (the SDKs are large; a Pi with
 * ai_provider none never loads them). Null for `none`.
 * @throws StoryProviderError (config) when an option the provider needs is missing.
 */
export async function createProvider(options: ProviderOptions): Promise<StoryProvider | null> {
  if (options.provider === 'none') return null;
  if (options.provider === 'gemini') {
    if (!options.apiKey) throw providerError('config', { note: 'ai_provider is gemini but ai_api_key is empty: create a key in Google AI Studio and set ai_api_key' });
    return createGeminiProvider({ ...options, apiKey: options.apiKey, model: options.model ?? DEFAULT_GEMINI_MODEL });
  }
  if (!options.model) throw providerError('config', { note: 'ai_provider is openai_compatible but ai_model is empty: set the model your server serves (e.g. llama3.1:8b)' });
  return createOpenAiProvider({ ...options, model: options.model });
}
