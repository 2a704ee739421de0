import { once } from 'node:events';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { validateSubmission } from './listenbrainz-rules.js';

/** A fault the fake injects into the next submit-listens request(s). */
export type LbFault =
  | { status: 500 | 502 | 503 }
  /** 429 with the rate-limit headers saying the window resets in `resetInS`. */
  | { status: 429; resetInS: number }
  /** Answers after `delayMs` (longer than the client's timeout: a timeout). The listens are still stored, as a slow server would. */
  | { delayMs: number; store?: boolean }
  /** Closes the connection without answering (after storing, when `store`). */
  | { drop: true; store?: boolean };

/** A stored listen: what ListenBrainz keeps (its listen table is unique on user, listened_at, recording). */
export interface StoredListen { user: string; listened_at: number; artist_name: string; track_name: string; release_name: string | null; listen: any }

/**
 * A fake ListenBrainz on 127.0.0.1: `POST /1/submit-listens` validates every payload by ListenBrainz's
 * rules (listenbrainz-rules.ts) and answers 400 with its message where the real server does, 401 for
 * an unknown token; listens are stored deduplicated like the real listen store (ON CONFLICT (listened_at,
 * user_id, recording_msid) DO NOTHING). `GET /1/user/{user}/listens` (min_ts, max_ts, count; newest first)
 * and `/playing-now` answer in the API's envelope. Every response carries X-RateLimit-* headers from a
 * fixed window (`limit` requests per `windowS`); past it, 429. Faults can be queued.
 */
export async function startFakeListenBrainz({ tokens = { 'token-rob': 'rob' } as Record<string, string>, limit = 1000, windowS = 10 } = {}) {
  const app = express();
  app.use(express.text({ type: '*/*', limit: '20mb' }));
  const faults: LbFault[] = [];
  const stored = new Map<string, StoredListen>();
  const submissions: { at: number; type: string; count: number; status: number; body: string }[] = [];
  const playingNow = new Map<string, any>();
  const state = { windowStart: Date.now(), used: 0, limit, windowS };
  const listeners: ((s: StoredListen[]) => void)[] = [];

  function rateLimit(res: Response): boolean {
    const t = Date.now();
    if (t - state.windowStart >= state.windowS * 1000) { state.windowStart = t; state.used = 0; }
    state.used++;
    const resetIn = Math.max(0, Math.ceil((state.windowStart + state.windowS * 1000 - t) / 1000));
    res.set({ 'X-RateLimit-Limit': String(state.limit), 'X-RateLimit-Remaining': String(Math.max(0, state.limit - state.used)),
      'X-RateLimit-Reset-In': String(resetIn), 'X-RateLimit-Reset': String(Math.floor(t / 1000) + resetIn) });
    if (state.used > state.limit) {
      res.status(429).json({ code: 429, error: 'Too Many Requests' });
      return false;
    }
    return true;
  }

  function keep(user: string, payload: any[]): StoredListen[] {
    const fresh: StoredListen[] = [];
    for (const l of payload) {
      const m = l.track_metadata;
      const key = `${user}|${Math.trunc(Number(l.listened_at))}|${m.artist_name.trim()}|${m.track_name.trim()}|${m.release_name ?? ''}`;
      if (stored.has(key)) continue;
      const s: StoredListen = { user, listened_at: Math.trunc(Number(l.listened_at)), artist_name: m.artist_name, track_name: m.track_name,
        release_name: m.release_name ?? null, listen: l };
      stored.set(key, s);
      fresh.push(s);
    }
    if (fresh.length) for (const fn of listeners) fn(fresh);
    return fresh;
  }

  app.post('/1/submit-listens', async (req: Request, res: Response) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const record = (status: number, type = '?', count = 0) => submissions.push({ at: Date.now(), type, count, status, body });
    const fault = faults.shift();
    if (fault && 'status' in fault) {
      if (fault.status === 429) {
        res.set({ 'X-RateLimit-Limit': String(state.limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset-In': String(fault.resetInS) });
        res.status(429).json({ code: 429, error: 'Too Many Requests' });
      } else res.status(fault.status).json({ code: fault.status, error: 'Something went wrong' });
      record(fault.status);
      return;
    }
    if (!rateLimit(res)) { record(429); return; }
    const user = tokens[(req.headers.authorization ?? '').replace(/^Token\s+/i, '')];
    if (!user) { res.status(401).json({ code: 401, error: 'Invalid authorization token.' }); record(401); return; }
    const checked = validateSubmission(body);
    if (!checked.ok) { res.status(400).json({ code: 400, error: checked.message }); record(400); return; }
    if (fault && 'drop' in fault) { if (fault.store) keep(user, checked.payload); record(0, checked.type, checked.payload.length); req.socket.destroy(); return; }
    if (fault && 'delayMs' in fault) {
      if (fault.store !== false) keep(user, checked.payload);
      record(200, checked.type, checked.payload.length);
      await new Promise((r) => setTimeout(r, fault.delayMs));
      if (!res.writableEnded && !req.socket.destroyed) res.json({ status: 'ok' });
      return;
    }
    if (checked.type === 'playing_now') playingNow.set(user, checked.payload[0]);
    else keep(user, checked.payload);
    record(200, checked.type, checked.payload.length);
    res.json({ status: 'ok' });
  });

  /** Listens a user "has" that were not submitted here (other scrobblers): the live source reads them. */
  const external = new Map<string, any[]>();
  app.get('/1/user/:user/listens', (req, res) => {
    if (!rateLimit(res)) return;
    const user = req.params.user!;
    if (!Object.values(tokens).includes(user) && !external.has(user)) { res.status(404).json({ code: 404, error: `Cannot find user: ${user}` }); return; }
    const min = req.query.min_ts === undefined ? -Infinity : Number(req.query.min_ts);
    const max = req.query.max_ts === undefined ? Infinity : Number(req.query.max_ts);
    const count = Math.min(1000, Number(req.query.count ?? 25));
    const all = [...(external.get(user) ?? []), ...[...stored.values()].filter((s) => s.user === user).map((s) => s.listen)];
    const listens = all.filter((l) => l.listened_at > min && l.listened_at < max).sort((a, b) => b.listened_at - a.listened_at).slice(0, count);
    res.json({ payload: { count: listens.length, listens, user_id: user, latest_listen_ts: listens[0]?.listened_at ?? 0, oldest_listen_ts: listens.at(-1)?.listened_at ?? 0 } });
  });
  app.get('/1/user/:user/playing-now', (req, res) => {
    if (!rateLimit(res)) return;
    const l = playingNow.get(req.params.user!);
    res.json({ payload: { count: l ? 1 : 0, user_id: req.params.user, playing_now: true, listens: l ? [l] : [] } });
  });

  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url, stored, submissions, faults, state, external, playingNow,
    fault(...list: LbFault[]) { faults.push(...list); },
    /** Calls `fn` with every batch of newly stored listens. */
    onStored(fn: (s: StoredListen[]) => void) { listeners.push(fn); },
    async close() { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); },
  };
}

export type FakeListenBrainz = Awaited<ReturnType<typeof startFakeListenBrainz>>;
