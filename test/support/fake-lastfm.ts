import { once } from 'node:events';
import type { Server } from 'node:http';
import express from 'express';

/**
 * A fake Last.fm Web Services 2.0 on 127.0.0.1 for `artist.getSimilar` and `track.getSimilar`. No real
 * recorded Last.fm responses are in shared/ (and none may be copied from other projects), so the answers
 * follow the documented shapes (https://www.last.fm/api/show/artist.getSimilar,
 * https://www.last.fm/api/show/track.getSimilar): `{similarartists: {artist: [{name, mbid, match, url,
 * image, streamable}], '@attr': {artist}}}`, `{similartracks: {track: [{name, playcount, mbid, match,
 * url, streamable, duration, artist: {name, mbid, url}, image}], '@attr': {artist}}}`, `match` as a
 * string (artists) or a number (tracks), and errors as `{error, message}` (6 unknown artist, 10 invalid
 * key, 29 rate limit: https://www.last.fm/api/errorcodes). The key is checked.
 */
export async function startFakeLastfm(apiKey: string) {
  const app = express();
  const state = {
    artists: new Map<string, { name: string; match: number }[]>(),
    tracks: new Map<string, { artist: string; name: string; match: number }[]>(),
    /** Answer every request with this Last.fm error (29 = rate limit) while set. */
    error: null as number | null,
    requests: [] as { method: string; artist: string; track: string | null; url: string }[],
  };
  const image = [{ '#text': '', size: 'small' }, { '#text': '', size: 'medium' }, { '#text': '', size: 'large' }];
  app.get('/2.0/', (req, res) => {
    const q = req.query as Record<string, string>;
    state.requests.push({ method: q.method ?? '', artist: q.artist ?? '', track: q.track ?? null, url: req.originalUrl });
    if (q.format !== 'json') { res.status(400).type('text/xml').send('<lfm status="failed"><error code="6">json only in this fake</error></lfm>'); return; }
    if (q.api_key !== apiKey) { res.status(403).json({ error: 10, message: 'Invalid API key - You must be granted a valid key by last.fm' }); return; }
    if (state.error === 29) { res.status(429).json({ error: 29, message: 'Rate Limit Exceded' }); return; }
    const method = (q.method ?? '').toLowerCase();
    const artistKey = (q.artist ?? '').toLowerCase();
    if (method === 'artist.getsimilar') {
      const list = state.artists.get(artistKey);
      if (!list) { res.json({ error: 6, message: 'The artist you supplied could not be found' }); return; }
      res.json({ similarartists: { artist: list.slice(0, Number(q.limit ?? 100)).map((a) => ({ name: a.name, mbid: '', match: String(a.match),
        url: `https://www.last.fm/music/${encodeURIComponent(a.name)}`, image, streamable: '0' })), '@attr': { artist: q.artist } } });
      return;
    }
    if (method === 'track.getsimilar') {
      const list = state.tracks.get(`${artistKey}|${(q.track ?? '').toLowerCase()}`) ?? [];
      res.json({ similartracks: { track: list.slice(0, Number(q.limit ?? 100)).map((t) => ({ name: t.name, playcount: 1000, mbid: '', match: t.match,
        url: `https://www.last.fm/music/${encodeURIComponent(t.artist)}/_/${encodeURIComponent(t.name)}`, streamable: { '#text': '0', fulltrack: '0' },
        duration: 200, artist: { name: t.artist, mbid: '', url: `https://www.last.fm/music/${encodeURIComponent(t.artist)}` }, image })), '@attr': { artist: q.artist } } });
      return;
    }
    res.json({ error: 3, message: 'Invalid Method - No method with that name in this package' });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/2.0/`;
  return {
    url, state,
    async close() { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); },
  };
}
