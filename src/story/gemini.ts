import type { GenerateContentResponse, Schema } from '@google/genai';
import { StoryProviderError } from '../errors.js';
import { STORY_GEMINI_SCHEMA } from './schema.js';
import { networkCode, providerError, reasonOfStatus, type ProviderReply, type ProviderRequest, type StoryProvider } from './provider.js';

/** Finish reasons that mean a safety or policy filter stopped the answer (https://ai.google.dev/api/generate-content#FinishReason). */
const BLOCKING_FINISH = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** The Google error body inside an ApiError's message (the SDK puts the JSON text there). */
interface GoogleErrorBody { error?: { code?: number; message?: string; status?: string; details?: { '@type'?: string; reason?: string; retryDelay?: string }[] } }

function parseBody(message: string): GoogleErrorBody {
  try { return JSON.parse(message) as GoogleErrorBody; } catch { return {}; } // a plain-text error: no details to read
}

/** google.rpc.RetryInfo retryDelay ("27s", "0.5s") → ms. */
function retryDelayMs(body: GoogleErrorBody): number | undefined {
  const delay = body.error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const m = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Maps anything the SDK throws to a StoryProviderError. */
function toProviderError(err: unknown, ApiError: typeof import('@google/genai').ApiError): StoryProviderError {
  if (err instanceof StoryProviderError) return err;
  if (err instanceof ApiError) {
    const body = parseBody(err.message);
    const detail = body.error?.message ?? err.message;
    // An invalid key is 400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID, not 401.
    const keyInvalid = body.error?.details?.some((d) => d.reason === 'API_KEY_INVALID');
    const reason = keyInvalid ? 'auth' : reasonOfStatus(err.status);
    return providerError(reason, { httpStatus: err.status, retryAfterMs: reason === 'quota' ? retryDelayMs(body) : undefined, detail,
      ...(reason === 'bad_request' ? { note: `: ${detail.slice(0, 160)}` } : {}) }, err);
  }
  const e = err as Error;
  // The SDK aborts the fetch at httpOptions.timeout: an AbortError is a timeout (stop() aborts only while shutting down).
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return providerError('timeout', { detail: e?.message }, err);
  const code = networkCode(err);
  return providerError('network', { note: code ? ` (${code})` : '', detail: e?.message }, err);
}

/** Reads the reply: the text of the first candidate, or why there is none (blocked, cut short). */
function readResponse(res: GenerateContentResponse, model: string): ProviderReply {
  const blockReason = res.promptFeedback?.blockReason;
  if (blockReason) throw providerError('blocked', { note: ` (${blockReason})`, detail: res.promptFeedback?.blockReasonMessage });
  const candidate = res.candidates?.[0];
  const finish = candidate?.finishReason ?? null;
  if (finish && BLOCKING_FINISH.has(finish)) throw providerError('blocked', { note: ` (${finish})` });
  const text = candidate?.content?.parts?.map((p) => p.text ?? '').join('') ?? '';
  if (finish === 'MAX_TOKENS') throw providerError('malformed', { note: ': it was cut off (MAX_TOKENS)' });
  if (!text) throw providerError('malformed', { note: ': it was empty' });
  const u = res.usageMetadata;
  return { text, finish_reason: finish, model: res.modelVersion ?? model,
    tokens: { input: u?.promptTokenCount ?? null, output: u?.candidatesTokenCount ?? null, total: u?.totalTokenCount ?? null } };
}

/**
 * Gemini through Google's maintained SDK (@google/genai): generateContent with a system instruction,
 * JSON output constrained by a response schema (https://ai.google.dev/gemini-api/docs/structured-output).
 * `baseUrl` becomes the SDK's httpOptions.baseUrl; the SDK's own retries stay off (retryOptions
 * unset): the story decides about its one retry itself.
 */
export async function createGeminiProvider(options: { apiKey: string; model: string; baseUrl?: string | undefined; timeoutMs: number }): Promise<StoryProvider> {
  // The SDK is loaded only when Gemini is the provider (it is large; a Pi with ai_provider none never loads it).
  const { GoogleGenAI, ApiError } = await import('@google/genai');
  const ai = new GoogleGenAI({ apiKey: options.apiKey, httpOptions: { timeout: options.timeoutMs, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) } });
  return {
    id: 'gemini',
    model: options.model,
    async generate(request: ProviderRequest, signal: AbortSignal): Promise<ProviderReply> {
      try {
        const res = await ai.models.generateContent({
          model: options.model,
          contents: request.messages.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.text }] })),
          config: { systemInstruction: request.system, responseMimeType: 'application/json', responseSchema: STORY_GEMINI_SCHEMA as unknown as Schema,
            temperature: 0.7, abortSignal: signal },
        });
        return readResponse(res, options.model);
      } catch (err) {
        throw toProviderError(err, ApiError);
      }
    },
  };
}
