import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Logger } from '../log.js';
import { MetadataError } from '../errors.js';

/** Longest wait for one back-off step (5xx, timeouts, 429/503 without a reset header). */
export const BACKOFF_CAP_MS = 60_000;
/** Longest wait a rate-limit header may ask for before we treat it as nonsense and cap it. */
export const RATE_LIMIT_WAIT_CAP_MS = 15 * 60_000;
/** Consecutive rate-limit answers to one request before it is given up (the job pauses the lane instead). */
export const MAX_RATE_LIMITED = 12;
/** Errors where no answer came at all: the box is offline or the host is unknown. */
const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);

/** What a service client counts (for /api/v1/enrichment and the benchmark). */
export interface ServiceCounters {
  requests: number;
  /** Answers that said "too many requests" (429, or MusicBrainz's 503), and the ms waited for them. */
  rate_limited: number;
  /** Waits the service asked for: rate-limit headers, 429/503 back-off (ms). */
  rate_limit_wait_ms: number;
  /** Waits for our own pacing (MusicBrainz: one request per second) (ms). */
  paced_wait_ms: number;
  /** Back-off waits after 5xx, timeouts and malformed bodies (ms). */
  backoff_wait_ms: number;
}

export interface ServiceClientOptions {
  /** 'ListenBrainz' | 'MusicBrainz': names the service in errors, logs and health. */
  service: string;
  baseUrl: string;
  /** Sent with every request (MusicBrainz requires a meaningful one: https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting). */
  userAgent: string;
  timeoutMs: number;
  /** Least time between two requests, ms (MusicBrainz: 1000), counted from the previous request's start AND its answer. */
  minIntervalMs: number;
  /** Statuses that mean "slow down" (ListenBrainz: 429; MusicBrainz: 503 and 429). */
  rateLimitStatuses: readonly number[];
  /** Extra headers per request (the ListenBrainz `Authorization: Token …`). */
  headers?: () => Record<string, string>;
  /** Retries after a 5xx, a timeout or a malformed body before the call fails (default 3). */
  retries?: number;
  /** First back-off step, ms (default 1000; doubles per retry with ±20 % jitter, capped at {@link BACKOFF_CAP_MS}). */
  backoffBaseMs?: number;
  log: Logger;
  now?: () => number;
}

/** A parsed answer: `data` is null for 404 (nothing known under that id). */
export interface ServiceResponse<T> { status: number; data: T | null }

/** Exponential back-off with jitter: base × 2^attempt, ±20 %, capped. */
export function backoffMs(attempt: number, baseMs: number, capMs = BACKOFF_CAP_MS): number {
  const raw = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

/**
 * How long the service asks us to wait, from ListenBrainz's headers (X-RateLimit-Remaining 0 →
 * X-RateLimit-Reset-In seconds; https://listenbrainz.readthedocs.io/en/latest/users/api/index.html#rate-limiting)
 * or Retry-After (seconds). null: no wait asked for.
 */
export function requestedWaitMs(headers: Record<string, unknown>, limited: boolean): number | null {
  const num = (name: string) => {
    const v = Number(headers[name]);
    return Number.isFinite(v) ? v : null;
  };
  const remaining = num('x-ratelimit-remaining');
  const resetIn = num('x-ratelimit-reset-in');
  const retryAfter = num('retry-after');
  if (limited) {
    const s = resetIn ?? retryAfter;
    return s === null ? null : Math.min(RATE_LIMIT_WAIT_CAP_MS, Math.max(0, s) * 1000);
  }
  if (remaining !== null && remaining <= 0 && resetIn !== null) return Math.min(RATE_LIMIT_WAIT_CAP_MS, Math.max(0, resetIn) * 1000);
  return null;
}

/**
 * An HTTP client for one outside service, with its manners built in: one request at a time, paced
 * to `minIntervalMs`; the service's rate-limit headers and 429/503 answers honoured (the wait is
 * counted, and the request is sent again: a rate-limit storm slows the job and loses nothing);
 * 5xx, timeouts and malformed JSON retried with capped exponential back-off. Pacing and back-off
 * are our own few lines rather than p-queue or bottleneck: both limit concurrency and counts per
 * interval, neither follows ListenBrainz's X-RateLimit-Reset-In, and we need every wait counted.
 * Errors leave as {@link MetadataError}, never as an AxiosError (which carries the token header).
 */
export function createServiceClient(options: ServiceClientOptions) {
  const { service, userAgent, timeoutMs, minIntervalMs, rateLimitStatuses, headers, retries = 3, backoffBaseMs = 1000, log, now = Date.now } = options;
  const http: AxiosInstance = axios.create({
    baseURL: options.baseUrl.replace(/\/$/, ''),
    timeout: timeoutMs,
    responseType: 'text',
    transformResponse: (data: unknown) => data,
    validateStatus: () => true,
    maxRedirects: 3,
  });
  const counters: ServiceCounters = { requests: 0, rate_limited: 0, rate_limit_wait_ms: 0, paced_wait_ms: 0, backoff_wait_ms: 0 };
  let nextAt = 0;
  let busy: Promise<unknown> = Promise.resolve();

  async function wait(ms: number, kind: 'rate_limit_wait_ms' | 'paced_wait_ms' | 'backoff_wait_ms', signal?: AbortSignal): Promise<void> {
    if (ms <= 0) return;
    counters[kind] += ms;
    await sleep(ms, undefined, signal ? { signal } : undefined);
  }

  let limitUntil = 0;
  async function send(method: 'GET' | 'POST', path: string, params: Record<string, string> | undefined, body: unknown, signal?: AbortSignal): Promise<AxiosResponse<string>> {
    await wait(limitUntil - now(), 'rate_limit_wait_ms', signal);
    await wait(nextAt - now(), 'paced_wait_ms', signal);
    nextAt = now() + minIntervalMs;
    counters.requests++;
    try {
      return await http.request<string>({ method, url: path, params, data: body, signal,
        headers: { 'user-agent': userAgent, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers?.() } });
    } finally {
      // Paced from the answer too: a request the service read late must not make the next one look early to it.
      nextAt = Math.max(nextAt, now() + minIntervalMs);
    }
  }

  async function attempt<T>(method: 'GET' | 'POST', path: string, params: Record<string, string> | undefined, body: unknown, signal?: AbortSignal): Promise<ServiceResponse<T>> {
    const endpoint = `${method} ${path}`;
    let failures = 0;
    let limited = 0;
    for (;;) {
      let res: AxiosResponse<string>;
      try {
        res = await send(method, path, params, body, signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        const code = axios.isAxiosError(err) ? err.code ?? '' : '';
        const offline = OFFLINE_CODES.has(code);
        const reason = offline ? `cannot be reached (${code})` : code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : `request failed (${code || (err as Error).message})`;
        if (failures >= retries) throw new MetadataError(offline ? 'METADATA_OFFLINE' : 'METADATA_UNAVAILABLE', service, endpoint, reason);
        log.warn({ service, endpoint, reason, retry: failures + 1 }, 'metadata: retrying');
        await wait(backoffMs(failures++, backoffBaseMs), 'backoff_wait_ms', signal);
        continue;
      }
      // X-RateLimit-Remaining 0: the next request (whichever) waits for the window to reset.
      const asked = requestedWaitMs(res.headers as Record<string, unknown>, false);
      if (asked !== null) limitUntil = Math.max(limitUntil, now() + asked);
      if (rateLimitStatuses.includes(res.status)) {
        counters.rate_limited++;
        if (++limited > MAX_RATE_LIMITED) throw new MetadataError('METADATA_UNAVAILABLE', service, endpoint, `still rate limited after ${MAX_RATE_LIMITED} waits`, res.status);
        const ms = requestedWaitMs(res.headers as Record<string, unknown>, true) ?? backoffMs(limited - 1, Math.max(backoffBaseMs, minIntervalMs));
        log.warn({ service, endpoint, status: res.status, wait_ms: ms }, 'metadata: rate limited, waiting');
        limitUntil = Math.max(limitUntil, now() + ms);
        continue;
      }
      if (res.status === 404) return { status: 404, data: null };
      if (res.status === 401 || res.status === 403) {
        throw new MetadataError('METADATA_AUTH', service, endpoint, `refused (HTTP ${res.status}): ${shortMessage(res.data)}`, res.status);
      }
      if (res.status >= 400 && res.status < 500) {
        throw new MetadataError('METADATA_BAD_RESPONSE', service, endpoint, `HTTP ${res.status}: ${shortMessage(res.data)}`, res.status);
      }
      let problem: string;
      if (res.status >= 500) problem = `HTTP ${res.status}`;
      else {
        try {
          return { status: res.status, data: JSON.parse(res.data) as T };
        } catch {
          problem = `malformed JSON (${String(res.data ?? '').length} bytes)`;
        }
      }
      if (failures >= retries) {
        throw new MetadataError(res.status >= 500 ? 'METADATA_UNAVAILABLE' : 'METADATA_BAD_RESPONSE', service, endpoint, problem, res.status);
      }
      log.warn({ service, endpoint, problem, retry: failures + 1 }, 'metadata: retrying');
      await wait(backoffMs(failures++, backoffBaseMs), 'backoff_wait_ms', signal);
    }
  }

  /**
   * One call, queued behind any call in flight (the service sees one request at a time).
   * @throws MetadataError METADATA_OFFLINE (unreachable after retries), METADATA_UNAVAILABLE (5xx,
   *   timeouts, endless rate limiting), METADATA_BAD_RESPONSE (malformed JSON, 4xx), METADATA_AUTH (401/403).
   * @throws the signal's reason when aborted (stop()).
   */
  function request<T>(method: 'GET' | 'POST', path: string, { params, body, signal }: { params?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {}): Promise<ServiceResponse<T>> {
    const run = busy.then(() => attempt<T>(method, path, params, body, signal));
    busy = run.catch(() => undefined);
    return run;
  }

  return { request, counters: (): ServiceCounters => ({ ...counters }), service };
}

/** The service's own error message, if its body says one, cut short (never the whole body). */
function shortMessage(body: unknown): string {
  const text = String(body ?? '');
  const fallback = text.length === 0 ? 'empty body' : `${text.length} bytes`;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = typeof parsed.error === 'string' ? parsed.error : typeof parsed.message === 'string' ? parsed.message : null;
    return message ? message.slice(0, 200) : fallback;
  } catch {
    return fallback; // an HTML error page from a proxy: its size says enough
  }
}

export type ServiceClient = ReturnType<typeof createServiceClient>;
