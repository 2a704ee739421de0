import { useEffect, useState } from 'preact/hooks';

/** A panel location: `#/<page>[/<arg>][?<params>]` (hash routes keep working under any ingress path). */
export interface Route { page: string; arg: string | null; params: URLSearchParams }

export function parseHash(hash: string = location.hash): Route {
  const text = hash.replace(/^#\/?/, '');
  const [pathPart = '', query = ''] = text.split('?');
  const [page = '', ...rest] = pathPart.split('/').map((p) => { try { return decodeURIComponent(p); } catch { return p; } }); // a malformed escape stays as typed
  return { page, arg: rest.length ? rest.join('/') : null, params: new URLSearchParams(query) };
}

/** The hash for a page with parameters (empty values dropped). */
export function href(page: string, arg: string | number | null = null, params: Record<string, string | number | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `#/${page}${arg === null ? '' : `/${encodeURIComponent(String(arg))}`}${qs ? `?${qs}` : ''}`;
}

/** The current route, following hash changes (links, Back, Forward). */
export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Goes to a page (a new history entry). */
export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

/**
 * Changes the current page's parameters in place (replaceState: Back still returns to the previous
 * page, which keeps its own parameters); listeners hear a hashchange.
 */
export function setParams(patch: Record<string, string | null>): void {
  const r = parseHash();
  for (const [k, v] of Object.entries(patch)) { if (v === null || v === '') r.params.delete(k); else r.params.set(k, v); }
  const qs = r.params.toString();
  const next = `#/${r.page}${r.arg === null ? '' : `/${encodeURIComponent(r.arg)}`}${qs ? `?${qs}` : ''}`;
  if (next === location.hash) return;
  const old = location.href;
  history.replaceState(history.state, '', next);
  window.dispatchEvent(new HashChangeEvent('hashchange', { oldURL: old, newURL: location.href }));
}

/** One URL parameter as state: reading it from the route, writing it into the URL. */
export function useParam(route: Route, name: string, fallback: string): [string, (v: string) => void] {
  const value = route.params.get(name) ?? fallback;
  return [value, (v: string) => setParams({ [name]: v === fallback ? null : v })];
}
