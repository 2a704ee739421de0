import { Router } from 'express';
import { NotFoundError } from '../../errors.js';
import { route } from '../route.js';
import type { WebDeps } from '../index.js';

/**
 * What Settings needs to connect Spotify, per account, in words a person can act on
 * (GET /api/v1/connect), and disconnecting (POST /api/v1/accounts/:account/disconnect).
 * `state`: 'no_client_id' (set client_id first: where depends on add-on or standalone),
 * 'not_connected', 'connected' or 'needs_reconnect' (with the reason).
 */
export function connectRoutes({ tokens, spotify, accounts, addon, connect }: WebDeps): Router {
  const api = Router();
  api.get('/connect', route(() => {
    const clientIdSet = connect?.clientIdSet ?? false;
    return {
      client_id_set: clientIdSet,
      /** Where client_id is set: the add-on's Configuration tab, or VIBESCOPE_CLIENT_ID / vibescope.yaml standalone. */
      set_client_id_in: addon ? 'addon_configuration' : 'environment',
      redirect_uri: connect?.redirectUri ?? null,
      scopes: connect?.scopes ?? [],
      accounts: accounts.map((account) => {
        const state = tokens.account(account);
        const granted = new Set((state.tokens?.scope ?? '').split(' ').filter(Boolean));
        const missing = state.tokens && granted.size > 0 ? (connect?.scopes ?? []).filter((s) => !granted.has(s)) : [];
        return {
          account, display_name: state.display_name, connected_at: state.connected_at,
          state: !clientIdSet ? 'no_client_id' : state.needs_reconnect ? 'needs_reconnect' : state.tokens ? 'connected' : 'not_connected',
          reason: state.needs_reconnect ? state.reconnect_reason : null,
          /** Scopes the enabled features need that the last consent did not grant: reconnect to add them. */
          missing_scopes: missing,
        };
      }),
    };
  }));
  api.post('/accounts/:account/disconnect', route(async (req) => {
    const account = req.params.account as string;
    if (!accounts.includes(account)) throw new NotFoundError(`account "${account}"`);
    return spotify.disconnect(account);
  }));
  return api;
}
