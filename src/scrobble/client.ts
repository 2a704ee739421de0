import { ListenBrainzError } from '../errors.js';
import type { Logger } from '../log.js';

/** What one listen of a submit-listens payload is (https://listenbrainz.readthedocs.io/en/latest/users/json.html). */
export type ListenPayload = Record<string, unknown>;

/** A listen as `GET /1/user/{user}/listens` returns it. */
export interface ApiListen { listened_at: number; track_metadata: Record<string, unknown>; [key: string]: unknown }

export interface ListenBrainzClientOptions {
  /** API root, e.g. https://api.listenbrainz.org (or Maloja's …/apis/listenbrainz). */
  baseUrl: string;
  /** User token (Authorization: Token …); optional for reads. */
  token?: string | undefined;
  timeoutMs: number;
  log: Logger;
  now?: () => number;
}

/**
 * A small client of a ListenBrainz-compatible API (docs/users/api/core.rst in listenbrainz-server):
 * submit-listens, a user's listens and playing-now. It honours the rate-limit headers
 * (docs/users/api/index.rst "Rate limiting": X-RateLimit-Remaining, X-RateLimit-Reset-In): when none
 * remain, the next call waits for the window to reset. A 429 becomes LISTENBRAINZ_RATE_LIMITED with
 * the wait; 401/403 LISTENBRAINZ_AUTH; 400 LISTENBRAINZ_REFUSED (the server's message); 5xx,
 * timeouts and network errors LISTENBRAINZ_UNAVAILABLE. Retrying is the caller's decision.
 */
export function createListenBrainzClient({ baseUrl, token, timeoutMs, log, now = Date.now }: ListenBrainzClientOptions) {
  const base = baseUrl.replace(/\/+$/, '');
  /** Earliest time of the next request (a window with no requests left). */
  let notBefore = 0;
  /** When a call is to be made at most, the wait it needs (ms). */
  const waitMs = () => Math.max(0, notBefore - now());

  function noteLimits(res: Response): number | undefined {
    const resetIn = Number(res.headers.get('x-ratelimit-reset-in') ?? res.headers.get('retry-after') ?? NaN);
    const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? NaN);
    const resetMs = Number.isFinite(resetIn) && resetIn >= 0 ? Math.ceil(resetIn * 1000) : undefined;
    if (resetMs !== undefined && (remaining === 0 || res.status === 429)) notBefore = now() + resetMs;
    return resetMs;
  }

  async function call(method: 'GET' | 'POST', endpoint: string, body?: string): Promise<unknown> {
    const wait = waitMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    let res: Response;
    try {
      res = await fetch(`${base}${endpoint}`, {
        method, signal: AbortSignal.timeout(timeoutMs), body,
        headers: { ...(token ? { authorization: `Token ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (err as Error).message;
      throw new ListenBrainzError('LISTENBRAINZ_UNAVAILABLE', endpoint, reason, {}, { cause: err });
    }
    const resetMs = noteLimits(res);
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; } // proxies answer HTML: the status says enough
    const message = (json as { error?: string } | null)?.error ?? `HTTP ${res.status}`;
    if (res.ok) return json;
    log.debug({ endpoint, status: res.status }, 'listenbrainz: request failed');
    if (res.status === 429) throw new ListenBrainzError('LISTENBRAINZ_RATE_LIMITED', endpoint, 'rate limited', { httpStatus: 429, retryAfterMs: resetMs ?? 10_000 });
    if (res.status === 401 || res.status === 403) throw new ListenBrainzError('LISTENBRAINZ_AUTH', endpoint, message, { httpStatus: res.status });
    if (res.status >= 400 && res.status < 500) throw new ListenBrainzError('LISTENBRAINZ_REFUSED', endpoint, message, { httpStatus: res.status });
    throw new ListenBrainzError('LISTENBRAINZ_UNAVAILABLE', endpoint, message, { httpStatus: res.status });
  }

  return {
    /** `POST /1/submit-listens` with `{listen_type, payload}`. */
    submit: async (listenType: 'single' | 'import' | 'playing_now', payload: ListenPayload[]): Promise<void> => {
      await call('POST', '/1/submit-listens', JSON.stringify({ listen_type: listenType, payload }));
    },
    /** `GET /1/user/{user}/listens?min_ts&max_ts&count`: newest first. */
    async listens(user: string, query: { min_ts?: number; max_ts?: number; count: number }): Promise<ApiListen[]> {
      const q = new URLSearchParams({ count: String(query.count) });
      if (query.min_ts !== undefined) q.set('min_ts', String(query.min_ts));
      if (query.max_ts !== undefined) q.set('max_ts', String(query.max_ts));
      const body = await call('GET', `/1/user/${encodeURIComponent(user)}/listens?${q}`) as { payload?: { listens?: ApiListen[] } } | null;
      return Array.isArray(body?.payload?.listens) ? body.payload.listens : [];
    },
    /** `GET /1/user/{user}/playing-now`: the listen playing now (no listened_at), or null. */
    async playingNow(user: string): Promise<ApiListen | null> {
      const body = await call('GET', `/1/user/${encodeURIComponent(user)}/playing-now`) as { payload?: { listens?: ApiListen[] } } | null;
      return body?.payload?.listens?.[0] ?? null;
    },
    /** ms until the rate-limit window lets the next call through (0: now). */
    waitMs,
  };
}

/** The client instance. */
export type ListenBrainzClient = ReturnType<typeof createListenBrainzClient>;
