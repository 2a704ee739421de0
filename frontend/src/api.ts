import { useEffect, useState } from 'preact/hooks';
import { has, t } from './i18n';

/** An error the server answered with ({error: {code, message}}), or a network failure (code NETWORK). */
export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) { super(message); this.name = 'ApiError'; }
}

/** REST calls relative to the page (works under any ingress base path). */
export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`api/v1/${path}`, init);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('NETWORK', (err as Error).message, 0);
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(e?.code ?? `HTTP_${res.status}`, e?.message ?? `HTTP ${res.status}`, res.status);
  }
  return body as T;
}

export const post = <T>(path: string, body: unknown) =>
  api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The sentence to show for an error, in the user's language (the server's own words only as detail). */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (has(`error.${err.code}`)) return t(`error.${err.code}`);
    return t('error.generic', { message: err.message });
  }
  return t('error.generic', { message: (err as Error)?.message ?? String(err) });
}

export const isAbort = (err: unknown) => (err as Error)?.name === 'AbortError';

/**
 * A GET whose answer always belongs to the latest `path`: when `path` changes (or the component goes
 * away) the request in flight is aborted, and a late answer is never applied. `path` null: no request.
 */
export function useApi<T>(path: string | null): { data: T | null; error: string | null; loading: boolean; reload: () => void } {
  // While a new path loads, the previous answer stays (pages dim it: `loading`); it is never applied late.
  const [state, setState] = useState<{ data: T | null; error: string | null; path: string | null; n: number }>({ data: null, error: null, path: null, n: 0 });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (path === null) return undefined;
    const ctl = new AbortController();
    api<T>(path, { signal: ctl.signal })
      .then((data) => { if (!ctl.signal.aborted) setState({ data, error: null, path, n }); })
      .catch((err) => { if (!ctl.signal.aborted && !isAbort(err)) setState({ data: null, error: errorText(err), path, n }); });
    return () => ctl.abort();
  }, [path, n]);
  const current = state.path === path;
  return { data: path === null ? null : state.data, error: current ? state.error : null, loading: path !== null && (!current || state.n !== n),
    reload: () => setN((x) => x + 1) };
}
