/** Largest image accepted (Spotify's 640 px covers are ~60–150 kB; Cover Art Archive "500" thumbnails similar). */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
/** Redirects followed (Cover Art Archive answers with 307 to archive.org). */
const MAX_REDIRECTS = 3;

/** Why an image could not be fetched, for the log and health (never shown with the URL's query). */
/** Why an image could not be had: `message` is for people (health), `detail` the low-level cause for the log. */
export class ArtFetchError extends Error {
  constructor(message: string, readonly permanent: boolean, readonly detail: string | null = null) { super(message); this.name = 'ArtFetchError'; }
}

/**
 * True when `host` is allowed by a list of host patterns: an exact host (`i.scdn.co`, `127.0.0.1:8080`)
 * or a suffix pattern (`*.spotifycdn.com`).
 */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => {
    const q = p.toLowerCase();
    return q.startsWith('*.') ? h.endsWith(q.slice(1)) && h.length > q.length - 1 : h === q;
  });
}

/** The image type from its first bytes (JPEG, PNG, WebP, GIF, AVIF), or null when it is none of them. */
export function sniffImage(bytes: Uint8Array): string | null {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'image/gif';
  if (b.length >= 12 && ascii(4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(8, 12))) return 'image/avif';
  return null;
}

const isLoopback = (hostname: string) => hostname === '127.0.0.1' || hostname === '[::1]' || hostname === '::1';

/**
 * Downloads one image with the rules that keep the box safe: only https (plain http only to a loopback
 * host, e.g. a local proxy or a test server) and only to allowed hosts, on every redirect hop; a
 * timeout; at most {@link MAX_IMAGE_BYTES}; and the bytes must be an image whatever the server claims.
 * @throws ArtFetchError (permanent for refused hosts, non-images and 404/410; else worth retrying later).
 */
export async function fetchImage(url: string, { hosts, timeoutMs, fetchFn = fetch }: { hosts: readonly string[]; timeoutMs: number; fetchFn?: typeof fetch }):
  Promise<{ bytes: Buffer; type: string }> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let target: URL;
    try { target = new URL(current); } catch { throw new ArtFetchError('not a URL', true); }
    if (!(target.protocol === 'https:' || (target.protocol === 'http:' && isLoopback(target.hostname)))) throw new ArtFetchError(`refused scheme ${target.protocol}`, true);
    if (!hostAllowed(target.host, hosts)) throw new ArtFetchError(`refused host ${target.host}`, true);
    let res: Response;
    try {
      res = await fetchFn(target, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'image/*' } });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new ArtFetchError(`${target.host} did not answer (${timedOut ? 'timed out' : 'no connection'})`, false, (err as Error).message);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      current = new URL(res.headers.get('location')!, target).toString();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ArtFetchError(`${target.host} answered HTTP ${res.status}`, res.status === 404 || res.status === 410);
    }
    const bytes = await readCapped(res);
    const type = sniffImage(bytes);
    if (!type) throw new ArtFetchError(`${target.host} sent something that is not an image`, true);
    return { bytes, type };
  }
  throw new ArtFetchError('too many redirects', true);
}

async function readCapped(res: Response): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_IMAGE_BYTES) { await res.body?.cancel(); throw new ArtFetchError(`image larger than ${MAX_IMAGE_BYTES} bytes`, true); }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_IMAGE_BYTES) { await reader.cancel(); throw new ArtFetchError(`image larger than ${MAX_IMAGE_BYTES} bytes`, true); }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
