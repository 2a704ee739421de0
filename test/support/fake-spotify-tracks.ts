import type { Express, Request, Response } from 'express';
import { deflateSync } from 'node:zlib';
import { fixture } from './fixtures.js';

/** A real PNG of `size` × `size` pixels in one colour (RFC 2083 chunks, zlib-compressed rows). */
export function pngOf(rgb: [number, number, number], size = 4): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (buf: Buffer) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0); body.copy(out, 4); out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr[8] = 8; ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => rgb).flat())]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: size }, () => row)))), chunk('IEND', Buffer.alloc(0))]);
}

/** What the fake's track and image endpoints follow. */
export interface TracksState {
  /** Track ids GET /tracks/{id} answers 404 for. */
  unknownTracks: Set<string>;
  /** Spotify's rolling-window rate limit (dev-mode apps: a 30 s window): more calls than `max` answer 429 with Retry-After. */
  tracksRateLimit: { max: number; windowMs: number; retryAfterS: number };
  /** Times of GET /tracks/{id} calls (ms). */
  trackCalls: number[];
  /** Image names that answer 404, and names served as a web page claiming to be a JPEG. */
  missingImages: Set<string>;
  garbageImages: Set<string>;
  imageRequests: string[];
}

export function tracksState(): TracksState {
  return { unknownTracks: new Set(), tracksRateLimit: { max: 1000, windowMs: 30_000, retryAfterS: 2 }, trackCalls: [], missingImages: new Set(),
    garbageImages: new Set(), imageRequests: [] };
}

/**
 * GET /v1/tracks/{id} (the real GET /tracks fixture with the id, URI and album images changed: images
 * point at this fake's /image/…), GET /v1/me (the real profile fixture without the fields removed for
 * development-mode apps in 2026) and GET /image/{name} (PNG bytes). The track endpoint enforces a
 * rolling-window rate limit with Retry-After, as Spotify does.
 */
export function mountTracks(app: Express, { state, authorized, applyFault }: { state: TracksState;
  authorized: (req: Request, res: Response) => boolean; applyFault: (req: Request, res: Response, path: string) => Promise<boolean> }): void {
  app.get('/v1/tracks/:id', async (req, res) => {
    if (await applyFault(req, res, '/v1/tracks')) return;
    if (!authorized(req, res)) return;
    const now = Date.now();
    const { max, windowMs, retryAfterS } = state.tracksRateLimit;
    state.trackCalls.push(now);
    if (state.trackCalls.filter((t) => t > now - windowMs).length > max) {
      res.set('Retry-After', String(retryAfterS)).status(429).json({ error: { status: 429, message: 'API rate limit exceeded' } });
      return;
    }
    const id = req.params.id!;
    if (!/^[0-9A-Za-z]{22}$/.test(id)) { res.status(400).json({ error: { status: 400, message: 'invalid id' } }); return; }
    if (state.unknownTracks.has(id)) { res.status(404).json({ error: { status: 404, message: 'Resource not found' } }); return; }
    const base = `${req.protocol}://${req.get('host')}`;
    const track = fixture('api/java_track.json');
    for (const key of ['popularity', 'available_markets', 'preview_url']) delete track[key];
    track.id = id; track.uri = `spotify:track:${id}`; track.href = `${base}/v1/tracks/${id}`;
    track.album.images = [640, 300, 64].map((w) => ({ url: `${base}/image/${id}-${w}`, width: w, height: w }));
    res.json(track);
  });
  app.get('/v1/me', (req, res) => {
    if (!authorized(req, res)) return;
    const me = fixture('api/java_me.json');
    for (const key of ['country', 'email', 'product', 'birthdate', 'followers']) delete me[key];
    res.json(me);
  });
  app.get('/image/:name', (req, res) => {
    const name = req.params.name!;
    state.imageRequests.push(name);
    if (state.missingImages.has(name)) { res.status(404).end(); return; }
    if (state.garbageImages.has(name)) { res.type('image/jpeg').send('<html>not an image</html>'); return; }
    let h = 0;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    res.type('image/png').send(pngOf([h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff]));
  });
}
