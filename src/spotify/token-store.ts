import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';

/** OAuth tokens of one account. `expires_at` is ms since epoch. Never logged. */
export interface Tokens { access_token: string; refresh_token: string; expires_at: number; scope: string }

/** What lowdb keeps per account. */
export interface AccountState {
  tokens: Tokens | null;
  needs_reconnect: boolean;
  reconnect_reason: string | null;
  spotify_user_id: string | null;
  display_name: string | null;
  /** recently-played `after` cursor: the newest played_at seen, ms */
  cursor_after: number | null;
  connected_at: number | null;
}

/** A consent started and not finished yet (PKCE verifier kept until the code comes back). */
export interface PendingAuth { account: string; code_verifier: string; redirect_uri: string; created_at: number }

interface Data { accounts: Record<string, AccountState>; pending_auth: Record<string, PendingAuth> }

/** lowdb file holding tokens and settings (mode 0600: it holds refresh tokens). */
export const SETTINGS_FILE = 'vibescope.json';

/** JSONFile that keeps the file private (0600) after every write. */
class PrivateJSONFile<T> extends JSONFile<T> {
  constructor(private readonly file: string) { super(file); }
  override async write(data: T): Promise<void> {
    await super.write(data);
    await chmod(this.file, 0o600);
  }
}

/** Opens (or creates) the settings file under `dataDir`. */
export async function openTokenStore(dataDir: string) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SETTINGS_FILE);
  const db = new Low<Data>(new PrivateJSONFile<Data>(file), { accounts: {}, pending_auth: {} });
  await db.read();
  db.data.accounts ??= {};
  db.data.pending_auth ??= {};
  let queue: Promise<unknown> = Promise.resolve();
  /** Serialized read-modify-write. */
  function update(fn: (data: Data) => void): Promise<void> {
    const run = queue.then(async () => { fn(db.data); await db.write(); });
    queue = run.catch(() => undefined);
    return run;
  }
  function account(name: string): AccountState {
    return db.data.accounts[name] ?? { tokens: null, needs_reconnect: false, reconnect_reason: null, spotify_user_id: null,
      display_name: null, cursor_after: null, connected_at: null };
  }
  function updateAccount(name: string, patch: Partial<AccountState>): Promise<void> {
    return update((data) => { data.accounts[name] = { ...account(name), ...patch }; });
  }
  return {
    file, account, updateAccount,
    accountNames: () => Object.keys(db.data.accounts),
    pending: (state: string) => db.data.pending_auth[state],
    pendingStates: () => Object.entries(db.data.pending_auth),
    addPending: (state: string, pending: PendingAuth) => update((data) => {
      for (const [key, value] of Object.entries(data.pending_auth)) if (Date.now() - value.created_at > 3_600_000) delete data.pending_auth[key];
      data.pending_auth[state] = pending;
    }),
    removePending: (state: string) => update((data) => { delete data.pending_auth[state]; }),
  };
}

export type TokenStore = Awaited<ReturnType<typeof openTokenStore>>;
