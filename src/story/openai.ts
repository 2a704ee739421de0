import type OpenAIClient from 'openai';

type OpenAIClass = typeof OpenAIClient;
import { StoryProviderError } from '../errors.js';
import { STORY_JSON_SCHEMA } from './schema.js';
import { networkCode, providerError, reasonOfStatus, type ProviderReply, type ProviderRequest, type StoryProvider } from './provider.js';

/** OpenAI's own endpoint, when ai_base_url is unset. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Retry-After (s, or an HTTP date) / retry-after-ms → ms. */
function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.round(Number(ms));
  const after = headers?.get('retry-after');
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Math.round(Number(after) * 1000);
  const at = Date.parse(after);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A 400 that says the server does not take `response_format: json_schema` (older llama.cpp, some proxies). */
function refusesJsonSchema(err: unknown, OpenAI: OpenAIClass): boolean {
  return err instanceof OpenAI.APIError && (err.status === 400 || err.status === 422)
    && /response_format|json_schema|schema/i.test(String(err.message));
}

function toProviderError(err: unknown, OpenAI: OpenAIClass): StoryProviderError {
  if (err instanceof StoryProviderError) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) return providerError('timeout', { detail: err.message }, err);
  if (err instanceof OpenAI.APIUserAbortError) return providerError('timeout', { detail: err.message }, err);
  if (err instanceof OpenAI.APIConnectionError) {
    const code = networkCode(err);
    return providerError('network', { note: code ? ` (${code})` : '', detail: err.message }, err);
  }
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    const reason = reasonOfStatus(err.status);
    const detail = (err.error as { message?: string } | undefined)?.message ?? err.message;
    return providerError(reason, { httpStatus: err.status, retryAfterMs: reason === 'quota' ? retryAfterMs(err.headers) : undefined, detail,
      ...(reason === 'bad_request' ? { note: `: ${detail.slice(0, 160)}` } : {}) }, err);
  }
  return providerError('network', { detail: (err as Error)?.message }, err);
}

/**
 * An OpenAI-compatible chat/completions endpoint (OpenAI, Ollama, LM Studio, llama.cpp server, vLLM)
 * through the official `openai` package. Structured output with `response_format: json_schema`
 * (https://platform.openai.com/docs/guides/structured-outputs); a server that refuses it is asked
 * once more in JSON mode (`json_object`) and remembered, the reply then validated by zod alone.
 * The SDK's own retries are off (maxRetries 0).
 */
export async function createOpenAiProvider(options: { model: string; baseUrl?: string | undefined; apiKey?: string | undefined; timeoutMs: number }): Promise<StoryProvider> {
  // The SDK is loaded only when this is the provider.
  const { default: OpenAI } = await import('openai');
  // Local servers need no key, but the SDK insists on one.
  const client = new OpenAI({ apiKey: options.apiKey || 'none', baseURL: options.baseUrl ?? OPENAI_BASE_URL, timeout: options.timeoutMs,
    maxRetries: 0, organization: null, project: null });
  let jsonSchema = true;
  async function complete(request: ProviderRequest, signal: AbortSignal) {
    const messages = [{ role: 'system' as const, content: request.system },
      ...request.messages.map((m) => ({ role: m.role, content: m.text }))];
    const response_format = jsonSchema
      ? { type: 'json_schema' as const, json_schema: { name: 'story', strict: true, schema: STORY_JSON_SCHEMA as unknown as Record<string, unknown> } }
      : { type: 'json_object' as const };
    return client.chat.completions.create({ model: options.model, messages, response_format, temperature: 0.7 }, { signal });
  }
  return {
    id: 'openai_compatible',
    model: options.model,
    async generate(request: ProviderRequest, signal: AbortSignal): Promise<ProviderReply> {
      try {
        let res;
        try {
          res = await complete(request, signal);
        } catch (err) {
          if (!jsonSchema || !refusesJsonSchema(err, OpenAI)) throw err;
          jsonSchema = false;
          res = await complete(request, signal);
        }
        const choice = res.choices?.[0];
        const finish = choice?.finish_reason ?? null;
        if (finish === 'content_filter') throw providerError('blocked', { note: ' (content_filter)' });
        const refusal = (choice?.message as { refusal?: string | null } | undefined)?.refusal;
        if (refusal) throw providerError('blocked', { note: ` (refused: ${refusal.slice(0, 120)})` });
        if (finish === 'length') throw providerError('malformed', { note: ': it was cut off (length)' });
        const text = choice?.message?.content ?? '';
        if (!text) throw providerError('malformed', { note: ': it was empty' });
        const u = res.usage;
        return { text, finish_reason: finish, model: res.model || options.model,
          tokens: { input: u?.prompt_tokens ?? null, output: u?.completion_tokens ?? null, total: u?.total_tokens ?? null } };
      } catch (err) {
        throw toProviderError(err, OpenAI);
      }
    },
  };
}
