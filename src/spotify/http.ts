import axios, { type AxiosError, type AxiosInstance } from 'axios';
import axiosRetry, { exponentialDelay, isNetworkError, retryAfter } from 'axios-retry';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { SpotifyError } from '../errors.js';
import type { Auth } from './auth.js';

/** Longest Retry-After we wait inside one call; longer ones are reported to the caller to reschedule. */
export const MAX_INLINE_RETRY_AFTER_MS = 30_000;
/** Cap of one exponential back-off step. */
export const MAX_BACKOFF_MS = 8_000;

/** A response: `data` is null for 204 No Content. */
export interface SpotifyResponse<T> { status: number; data: T | null }

/**
 * The Web API client (axios): timeouts; 429 honours Retry-After (research/spotify-api.md §4);
 * 5xx, timeouts and network errors back off exponentially with jitter and a cap (axios-retry);
 * a 401 refreshes the token once. Errors leave as {@link SpotifyError}: never an AxiosError, which
 * carries the bearer token in its request headers.
 */
export function createSpotifyClient({ config, auth, log, baseDelayMs = 500 }: { config: Config; auth: Auth; log: Logger; baseDelayMs?: number }) {
  const http: AxiosInstance = axios.create({
    baseURL: config.spotify_api_url.replace(/\/$/, ''),
    timeout: config.http_timeout_s * 1000,
    responseType: 'text',
    transformResponse: (data: unknown) => data,
    validateStatus: (status) => status >= 200 && status < 300,
  });
  axiosRetry(http, {
    retries: 3,
    shouldResetTimeout: true,
    retryCondition: (error: AxiosError) => {
      const status = error.response?.status;
      if (status === 429) return retryAfter(error) <= MAX_INLINE_RETRY_AFTER_MS;
      return isNetworkError(error) || error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || (status !== undefined && status >= 500);
    },
    retryDelay: (count, error) => {
      const wait = retryAfter(error);
      return wait > 0 ? wait : Math.min(MAX_BACKOFF_MS, exponentialDelay(count, error, baseDelayMs));
    },
    onRetry: (count, error, request) => log.warn({ endpoint: request.url, status: error.response?.status ?? error.code, retry: count }, 'spotify: retrying'),
  });

  function toSpotifyError(endpoint: string, err: unknown): SpotifyError {
    if (err instanceof SpotifyError) return err;
    if (axios.isAxiosError(err)) {
      const status = err.response?.status;
      let message = err.code ?? 'request failed';
      try {
        const body = JSON.parse(String(err.response?.data ?? '')) as { error?: { message?: string } };
        if (body.error?.message) message = body.error.message;
      } catch { message = status ? `HTTP ${status}` : message; } // non-JSON error bodies are common (proxies)
      if (status === 429) {
        const retryAfterS = Math.ceil(retryAfter(err) / 1000) || 1;
        return new SpotifyError('SPOTIFY_RATE_LIMITED', endpoint, `rate limited, retry after ${retryAfterS} s`, { httpStatus: 429, retryAfterS });
      }
      if (status === 401 || status === 403) return new SpotifyError('SPOTIFY_AUTH', endpoint, message, { httpStatus: status });
      return new SpotifyError('SPOTIFY_UNAVAILABLE', endpoint, status ? `HTTP ${status}: ${message}` : message, status ? { httpStatus: status } : {});
    }
    return new SpotifyError('SPOTIFY_UNAVAILABLE', endpoint, (err as Error).message);
  }

  /**
   * GET `path` (relative to spotify_api_url) for `account`.
   * @throws SpotifyError SPOTIFY_RATE_LIMITED (retry_after_s set), SPOTIFY_UNAVAILABLE, SPOTIFY_BAD_RESPONSE
   *   (malformed JSON), SPOTIFY_AUTH, SPOTIFY_RECONNECT (refresh token dead).
   */
  function get<T>(account: string, path: string, params: Record<string, string | number> = {}): Promise<SpotifyResponse<T>> {
    return request<T>(account, 'GET', path, params, undefined);
  }

  /**
   * A write with a JSON body (`POST /me/playlists`, `PUT /playlists/{id}/items`…). PUT and DELETE are
   * idempotent and retried like GET; a POST is retried only after a 429 (Spotify did not apply it), never
   * after a 5xx or a timeout, which may have been applied (a second POST would add the items twice).
   * @throws SpotifyError as {@link get}.
   */
  function send<T>(account: string, method: 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, params: Record<string, string | number> = {}): Promise<SpotifyResponse<T>> {
    return request<T>(account, method, path, params, body);
  }

  async function request<T>(account: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, params: Record<string, string | number>, body: unknown): Promise<SpotifyResponse<T>> {
    const endpoint = `${method} ${path}`;
    const retryPolicy = method === 'POST'
      ? { 'axios-retry': { retryCondition: (error: AxiosError) => error.response?.status === 429 && retryAfter(error) <= MAX_INLINE_RETRY_AFTER_MS } }
      : {};
    for (let attempt = 0; ; attempt++) {
      const token = await auth.accessToken(account, attempt > 0);
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await http.request<string>({ method, url: path, params, headers, ...(body === undefined ? {} : { data: JSON.stringify(body) }), ...retryPolicy });
        if (res.status === 204 || res.data === '' || res.data === undefined) return { status: res.status, data: null };
        try {
          return { status: res.status, data: JSON.parse(res.data) as T };
        } catch {
          throw new SpotifyError('SPOTIFY_BAD_RESPONSE', endpoint, `malformed JSON (${String(res.data).length} bytes)`, { httpStatus: res.status });
        }
      } catch (err) {
        if (axios.isAxiosError(err) && err.response?.status === 401 && attempt === 0) continue;
        throw toSpotifyError(endpoint, err);
      }
    }
  }

  return { get, send };
}

export type SpotifyClient = ReturnType<typeof createSpotifyClient>;
