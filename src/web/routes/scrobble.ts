import { Router } from 'express';
import { BadParamError, VibescopeError } from '../../errors.js';
import { timeParam } from '../params.js';
import { route } from '../route.js';
import type { WebDeps } from '../index.js';

/**
 * Scrobbles (src/scrobble/):
 * - `GET /scrobble/status`: the sender's state (`off`, `idle`, `sending`, `backing_off`, `rate_limited`,
 *   `needs_token`), the outbox's counts and the ListenBrainz live source's last poll;
 * - `POST /scrobble/backfill {from?, to?, account?}`: queues stored plays to be sent as `import` batches.
 */
export function scrobbleRoutes({ scrobble, accounts, store, now = Date.now }: WebDeps): Router {
  const api = Router();
  api.get('/scrobble/status', route(() => scrobble?.status() ?? { state: 'off' }));
  api.post('/scrobble/backfill', route(async (req) => {
    if (!scrobble || scrobble.status().state === 'off') {
      throw new VibescopeError('CONFLICT', 'Scrobbling is off: set the scrobble_url and scrobble_token options first.', 409);
    }
    const body = (req.body ?? {}) as { from?: unknown; to?: unknown; account?: unknown };
    const asQuery = { query: { from: body.from === undefined ? undefined : String(body.from), to: body.to === undefined ? undefined : String(body.to) } };
    const from = timeParam(asQuery as never, 'from', 0, store.tz.timeZone);
    const to = timeParam(asQuery as never, 'to', now(), store.tz.timeZone);
    if (from > to) throw new BadParamError('from', from, `a time not after to (${to})`);
    const account = body.account === undefined || body.account === null ? null : String(body.account);
    if (account !== null && !accounts.includes(account)) throw new BadParamError('account', account, `one of ${accounts.join(', ')}`);
    return scrobble.backfill(from, to, account);
  }));
  return api;
}
