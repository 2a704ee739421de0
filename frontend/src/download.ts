import { ApiError } from './api';

/** The file name a response suggests (Content-Disposition: attachment; filename="…"), else `fallback`. */
export function fileNameOf(res: Response, fallback: string): string {
  const cd = res.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) { try { return decodeURIComponent(star[1]!); } catch { /* a malformed escape: the plain name below */ } }
  return /filename="?([^";]+)"?/i.exec(cd)?.[1] ?? fallback;
}

/** Saves a blob as a file through a temporary object URL (the page stays where it is). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url; a.download = name; a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has taken the blob by the time a minute passed; then its memory is given back.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * A request whose answer is a file (relative to the page: works under the ingress path), read
 * whole: the response (its headers) and the body as a blob. An error answer becomes an ApiError.
 */
export async function fetchFile(path: string, init?: RequestInit): Promise<{ res: Response; blob: Blob }> {
  let res: Response;
  try { res = await fetch(`api/v1/${path}`, init); } catch (err) { throw new ApiError('NETWORK', (err as Error).message, 0); }
  if (!res.ok) {
    const body = await res.json().catch(() => ({})) as { error?: { code?: string; message?: string } };
    throw new ApiError(body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? `HTTP ${res.status}`, res.status);
  }
  return { res, blob: await res.blob() };
}
