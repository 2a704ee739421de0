import { once } from 'node:events';
import type { Server } from 'node:http';
import express from 'express';
import { fixture } from './fixtures.js';

/** One scripted answer of a fake AI server. */
export type FakeAnswer =
  /** A reply whose text is this JSON (or raw string). */
  | { story: unknown; finish?: string }
  /** An HTTP error with this body (and headers). */
  | { status: number; body: unknown; headers?: Record<string, string> }
  /** Gemini: the prompt was blocked (promptFeedback.blockReason). OpenAI: finish_reason content_filter. */
  | { blocked: string }
  /** Waits this long before answering with `then` (or never, when absent: the client must time out). */
  | { delayMs: number; then?: FakeAnswer };

/** What a fake saw: one entry per request. */
export interface SeenRequest { path: string; headers: Record<string, string | string[] | undefined>; body: any }

/** Rough token count of a text (4 characters a token), as the services' counts run for English. */
export const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** The common frame: express on 127.0.0.1:0, a queue of answers, every request and every TCP connection counted. */
async function startFake(mount: (app: express.Express, next: () => FakeAnswer | undefined, seen: SeenRequest[]) => void) {
  const app = express();
  app.use(express.json({ limit: '2mb' }));
  const seen: SeenRequest[] = [];
  const queue: FakeAnswer[] = [];
  app.use((req, _res, next) => { seen.push({ path: req.path, headers: { ...req.headers }, body: req.body }); next(); });
  mount(app, () => queue.shift(), seen);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let connections = 0;
  server.on('connection', () => { connections++; });
  const port = (server.address() as { port: number }).port;
  return {
    port, seen, queue,
    /** TCP connections accepted so far. */
    get connections() { return connections; },
    /** Queues answers for the next requests, in order. */
    answer(...answers: FakeAnswer[]) { queue.push(...answers); },
    async close() { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); },
  };
}

type Settled = Exclude<FakeAnswer, { delayMs: number }>;
async function settle(answer: FakeAnswer | undefined): Promise<Settled | undefined> {
  let a = answer;
  while (a && 'delayMs' in a) {
    await new Promise((r) => setTimeout(r, a && 'delayMs' in a ? a.delayMs : 0));
    if (!a.then) return undefined;
    a = a.then;
  }
  return a as Settled | undefined;
}

const textOf = (story: unknown) => (typeof story === 'string' ? story : JSON.stringify(story));

/**
 * A fake Gemini API (generativelanguage v1beta `models/{model}:generateContent`, https://ai.google.dev/api/generate-content):
 * the key in `x-goog-api-key` (a wrong key gets the real 400 API_KEY_INVALID), requests must ask for JSON
 * with a response schema, replies carry candidates[].content.parts[].text, finishReason, usageMetadata and
 * modelVersion; blocked prompts carry promptFeedback.blockReason and no candidates. A per-minute request
 * limit answers 429 with google.rpc.RetryInfo as the real service does.
 */
export async function startFakeGemini({ apiKey = 'test-gemini-key', requestsPerMinute = 10, retryDelayS = 1 } = {}) {
  const keyInvalid = fixture('ai/gemini_error_api-key-invalid.json');
  const quota = fixture('ai/gemini_error_quota-retryinfo.json');
  const recent: number[] = [];
  return startFake((app, next) => {
    app.post('/v1beta/models/:call', async (req, res) => {
      const [model, method] = String(req.params.call).split(':');
      if (method !== 'generateContent') { res.status(404).json({ error: { code: 404, message: `Method ${method} not found`, status: 'NOT_FOUND' } }); return; }
      if (req.headers['x-goog-api-key'] !== apiKey) { res.status(400).json(keyInvalid); return; }
      const now = Date.now();
      while (recent.length && recent[0]! < now - 60_000) recent.shift();
      if (recent.length >= requestsPerMinute) {
        const body = structuredClone(quota);
        body.error.details[0]!.retryDelay = `${retryDelayS}s`;
        res.status(429).json(body); return;
      }
      recent.push(now);
      const b = req.body;
      const cfg = b.generationConfig ?? {};
      if (!Array.isArray(b.contents) || b.contents.length === 0 || !b.systemInstruction || cfg.responseMimeType !== 'application/json' || !cfg.responseSchema) {
        res.status(400).json({ error: { code: 400, message: 'Invalid JSON payload received: contents, systemInstruction and a JSON response schema are expected by this fake', status: 'INVALID_ARGUMENT' } });
        return;
      }
      const prompt = JSON.stringify(b.contents) + JSON.stringify(b.systemInstruction);
      const answer = await settle(next());
      if (res.socket?.destroyed) return;
      if (!answer) { res.status(500).json({ error: { code: 500, message: 'An internal error has occurred (no answer scripted in the fake).', status: 'INTERNAL' } }); return; }
      if ('status' in answer) { res.status(answer.status).set(answer.headers ?? {}).json(answer.body); return; }
      const usage = { promptTokenCount: tokens(prompt) };
      if ('blocked' in answer) {
        res.json({ promptFeedback: { blockReason: answer.blocked, safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH' }] },
          usageMetadata: { ...usage, totalTokenCount: usage.promptTokenCount }, modelVersion: model });
        return;
      }
      if ('story' in answer) {
        const text = textOf(answer.story);
        res.json({ candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: answer.finish ?? 'STOP', index: 0 }],
          usageMetadata: { ...usage, candidatesTokenCount: tokens(text), totalTokenCount: usage.promptTokenCount + tokens(text) },
          modelVersion: model, responseId: `fake-${Date.now().toString(36)}` });
      }
    });
  });
}

/**
 * A fake OpenAI-compatible server (`POST /v1/chat/completions`, https://platform.openai.com/docs/api-reference/chat):
 * Bearer key (a wrong one gets the real 401 invalid_api_key), a system and a user message, and
 * `response_format` json_schema, or json_object where `jsonSchema: false` (as servers that refuse
 * json_schema answer: 400 naming response_format). Replies carry choices[].message.content,
 * finish_reason and usage.
 */
export async function startFakeOpenAi({ apiKey = 'test-openai-key' as string | null, jsonSchema = true } = {}) {
  const invalidKey = fixture('ai/openai_error_invalid-api-key.json');
  return startFake((app, next) => {
    app.post('/v1/chat/completions', async (req, res) => {
      if (apiKey !== null && req.headers.authorization !== `Bearer ${apiKey}`) { res.status(401).json(invalidKey); return; }
      const b = req.body;
      const roles = Array.isArray(b.messages) ? b.messages.map((m: any) => m.role) : [];
      if (!b.model || roles[0] !== 'system' || !roles.includes('user')) {
        res.status(400).json({ error: { message: 'model and messages (system first) are required', type: 'invalid_request_error', param: 'messages', code: null } });
        return;
      }
      const format = b.response_format?.type;
      if (format === 'json_schema' && !jsonSchema) {
        res.status(400).json({ error: { message: "response_format.type 'json_schema' is not supported; use 'json_object'", type: 'invalid_request_error', param: 'response_format', code: null } });
        return;
      }
      if (format !== 'json_schema' && format !== 'json_object') {
        res.status(400).json({ error: { message: 'this fake expects a JSON response_format', type: 'invalid_request_error', param: 'response_format', code: null } });
        return;
      }
      const answer = await settle(next());
      if (res.socket?.destroyed) return;
      if (!answer) { res.status(500).json({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }); return; }
      if ('status' in answer) { res.status(answer.status).set(answer.headers ?? {}).json(answer.body); return; }
      const prompt = tokens(JSON.stringify(b.messages));
      const text = 'blocked' in answer ? '' : textOf(answer.story);
      const finish = 'blocked' in answer ? 'content_filter' : answer.finish ?? 'stop';
      res.json({ id: `chatcmpl-fake${Date.now().toString(36)}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: b.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text || null, refusal: null }, logprobs: null, finish_reason: finish }],
        usage: { prompt_tokens: prompt, completion_tokens: tokens(text), total_tokens: prompt + tokens(text) }, system_fingerprint: 'fp_fake' });
    });
  });
}

export type FakeAi = Awaited<ReturnType<typeof startFakeGemini>>;
