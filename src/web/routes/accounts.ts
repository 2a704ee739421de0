import { Router } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { accountOf, route } from '../route.js';
import type { WebDeps } from '../index.js';

/** Health, accounts, now playing, connect (auth/start, auth/finish) and sync now. */
export function accountRoutes(deps: WebDeps): Router {
  const { store, stats, spotify, tokens, accounts, version, health, mqttStatus, metadata, now = Date.now } = deps;
  const api = Router();

  function accountView(account: string) {
    const state = tokens.account(account);
    const sync = spotify.status(account);
    return {
      account, display_name: state.display_name, connected: state.tokens !== null && !state.needs_reconnect,
      needs_reconnect: state.needs_reconnect, reconnect_reason: state.reconnect_reason, sync_state: sync?.state ?? 'not_connected',
      last_poll_at: sync?.last_poll_at ?? null, last_success_at: sync?.last_success_at ?? null, last_error: sync?.last_error ?? null,
    };
  }

  api.get('/health', route(async () => {
    const info = await store.info();
    const mem = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    const state = health.state();
    return { status: state.status, problems: state.problems, version, uptime_s: Math.round(process.uptime()), store: { ...info, totals: stats.totals() },
      mqtt: mqttStatus?.() ?? { enabled: false },
      enrichment: metadata?.summary() ?? { enabled: false },
      memory_mb: { rss: mb(mem.rss), heap_used: mb(mem.heapUsed), heap_total: mb(mem.heapTotal), external: mb(mem.external), array_buffers: mb(mem.arrayBuffers) },
      accounts: accounts.map(accountView) };
  }));
  api.post('/health/problems/:id/dismiss', route((req) => {
    if (!health.dismiss(req.params.id as string)) throw new NotFoundError(`a problem "${req.params.id}" that can be dismissed`);
    return health.state();
  }));
  api.get('/accounts', route(() => {
    const totals = new Map(stats.totals().map((t) => [t.account, t]));
    return { accounts: accounts.map((a) => ({ ...accountView(a), plays: totals.get(a)?.plays ?? 0, streams: totals.get(a)?.streams ?? 0,
      last_ended_at: totals.get(a)?.last_ended_at ?? null })) };
  }));
  api.get('/now-playing', route((req) => {
    const list = (req.query.account ? [accountOf(req, accounts)] : accounts).map((a) => spotify.nowPlaying(a) ?? { account: a, active: false, idle_reason: 'not_polling' });
    return { now_playing: list };
  }));
  api.get('/stats/today', route((req) => stats.counters(accountOf(req, accounts), now())));
  api.post('/auth/start', route(async (req) => spotify.startConnect(accountOf(req, accounts))));
  api.post('/auth/finish', route(async (req) => {
    const input = req.body?.url ?? req.body?.code;
    if (typeof input !== 'string' || input.trim() === '') throw new BadParamError('url', input, 'the URL the browser landed on (or the code)');
    return spotify.finishConnect(input, typeof req.body?.state === 'string' ? req.body.state : undefined);
  }));
  api.post('/accounts/:account/sync', route(async (req) => {
    const account = req.params.account as string;
    if (!accounts.includes(account)) throw new NotFoundError(`account "${account}"`);
    return spotify.syncNow(account);
  }));
  return api;
}
