import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { storageError, syncDir } from '../store/index.js';

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

/** Why every account needs reconnecting after a damaged token file was set aside. */
export const DAMAGED_REASON = 'The saved Spotify connection was damaged and was set aside. Connect Spotify again in Settings.';

/**
 * A lowdb adapter that keeps the file private from its creation: the temp file is opened with mode
 * 0600 (never world-readable, not even for a moment), fsync'd and renamed over the file.
 */
class PrivateJSONFile<T> implements Adapter<T> {
  constructor(private readonly file: string) {}
  async read(): Promise<T | null> {
    let text: string;
    try { text = await readFile(this.file, 'utf8'); } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return JSON.parse(text) as T;
  }
  async write(data: T): Promise<void> {
    const tmp = `${this.file}.tmp`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try { await fh.writeFile(JSON.stringify(data, null, 2)); await fh.sync(); } finally { await fh.close(); }
      await rename(tmp, this.file);
      await syncDir(path.dirname(this.file));
    } catch (err) {
      await unlink(tmp).catch(() => undefined); // nothing to clean when the open itself failed
      throw storageError(err, 'tokens');
    }
  }
}

/**
 * Opens (or creates) the settings file under `dataDir`. A file that does not parse is named in the
 * log, moved aside (`vibescope.json.damaged-<time>`, never deleted) and replaced by an empty one; every
 * account then reports needs_reconnect with {@link DAMAGED_REASON}.
 * @param options.readOnly read only: a damaged file is reported but not moved, nothing is written.
 */
export async function openTokenStore(dataDir: string, options: { readOnly?: boolean; onDamaged?: (movedTo: string | null, err: Error) => void } = {}) {
  if (!options.readOnly) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SETTINGS_FILE);
  const adapter = new PrivateJSONFile<Data>(file);
  const db = new Low<Data>(adapter, { accounts: {}, pending_auth: {} });
  let damaged = false;
  try {
    await db.read();
    if (typeof db.data !== 'object' || db.data === null || Array.isArray(db.data)) throw new Error('the top level is not an object');
  } catch (err) {
    damaged = true;
    db.data = { accounts: {}, pending_auth: {} };
    let movedTo: string | null = null;
    if (!options.readOnly) {
      movedTo = `${file}.damaged-${new Date().toISOString().replaceAll(':', '-')}`;
      await rename(file, movedTo);
    }
    options.onDamaged?.(movedTo, err as Error);
  }
  db.data.accounts ??= {};
  db.data.pending_auth ??= {};
  let queue: Promise<unknown> = Promise.resolve();
  /** Serialized read-modify-write. */
  function update(fn: (data: Data) => void): Promise<void> {
    if (options.readOnly) return Promise.reject(new Error('token store opened read-only'));
    const run = queue.then(async () => { fn(db.data); await db.write(); });
    queue = run.catch(() => undefined);
    return run;
  }
  function account(name: string): AccountState {
    return db.data.accounts[name] ?? { tokens: null, needs_reconnect: damaged, reconnect_reason: damaged ? DAMAGED_REASON : null,
      spotify_user_id: null, display_name: null, cursor_after: null, connected_at: null };
  }
  function updateAccount(name: string, patch: Partial<AccountState>): Promise<void> {
    return update((data) => { data.accounts[name] = { ...account(name), ...patch }; });
  }
  return {
    file, account, updateAccount,
    /** True when the file was damaged at open and set aside. */
    damaged,
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
