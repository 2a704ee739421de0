import { createWriteStream } from 'node:fs';
import { chmod, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { accountNames, resolveTimeZone, type LoadedConfig } from './config/index.js';
import type { Logger } from './log.js';
import { acquireDataLock, lockHolder, syncDir } from './store/index.js';
import { openCore } from './core.js';
import { createBackups, createExports } from './exports/index.js';
import { createOutbox } from './scrobble/index.js';
import { parseDateTime } from './time.js';
import { readVersion } from './version.js';
import { serverClient } from './cli-server.js';

/** What cli.ts lends the commands here (its flag parsing, config loading and failure). */
export interface CliKit {
  parse(args: string[], extra?: Record<string, { type: 'string' | 'boolean'; short?: string }>): { values: Record<string, string | boolean | undefined>; positionals: string[] };
  load(values: Record<string, unknown>): LoadedConfig;
  fail(message: string, code?: number): never;
  logger(values: Record<string, unknown>, loaded: LoadedConfig): Logger;
  common: string;
}

/** Help of the commands here. */
export function helpTexts(common: string): Record<string, string> {
  return {
    export: `Usage: vibescope export --format csv|json|jsonl|m3u8 [--from DATE] [--to DATE] [--account NAME]
                        [--kind play|skip|other|all] [--playlist top|plays] [--limit N] [--out FILE]

Writes your streams in an open format to FILE (default: standard output):
  csv     every stream, one per line (Vibescope's columns, see DOCS.md "Export")
  json    the same as one JSON document: {"vibescope_export": {...}, "streams": [...]}
  jsonl   plays in ListenBrainz's import format, one listen per line (for ListenBrainz,
          Koito, Maloja); skips are not listens and are left out
  m3u8    a playlist of your local music files: the top tracks (--playlist top, the
          default, --limit 50) or the plays in order (--playlist plays)
DATE is ms since the epoch or an ISO-8601 date or time (local time in your time zone).
An export imported into an empty Vibescope gives back the same counts. Works while the
server runs (through it) or not.${common}`,
    backup: `Usage: vibescope backup <file>

Writes one consistent archive (.tar.gz, readable only by you: mode 0600) of the database
snapshot, the journal with the files it imported, and the saved Spotify connection.
While the server runs it is asked for the archive (it writes a snapshot first, so the
archive is whole); otherwise the data folder is locked while the archive is written.${common}`,
    restore: `Usage: vibescope restore <file> [--force]

Restores a backup made with "vibescope backup" (or the panel). The archive is unpacked
beside the data, every file checked against its checksum and the database opened before
anything is replaced. Refuses a data folder that already holds history unless --force is
given; the files it replaces are then moved into before-restore-<time> in the data folder.
Stop the server first.${common}`,
    scrobble: `Usage: vibescope scrobble [--backfill [--from DATE] [--to DATE] [--account NAME]]

Shows the scrobble outbox (plays waiting, sent, refused) and the sender's state. With
--backfill, queues the stored plays of the range (default: all of them) to be sent to the
scrobble server (scrobble_url, scrobble_token) as import batches of up to 1000 listens;
plays already sent are not sent again. Works through the running server, or queues the
backfill for the next start.${common}`,
  };
}

/** A DATE flag: ms since the epoch or an ISO-8601 date / time in `timeZone`. */
function timeFlag(kit: CliKit, name: string, value: unknown, fallback: number, timeZone: string): number {
  if (typeof value !== 'string') return fallback;
  if (/^-?\d+$/.test(value)) return Number(value);
  const ms = parseDateTime(value, timeZone);
  if (ms === null) kit.fail(`--${name}: "${value}" is not ms since the epoch or a real date such as 2024-08-02 or 2024-08-02T18:30`);
  return ms;
}

/** Writes to FILE through a temp file (0600, renamed when complete) or to standard output. */
async function sink(out: string | undefined): Promise<{ stream: Writable; done: (ok: boolean) => Promise<void> }> {
  if (!out) return { stream: process.stdout, done: async () => undefined };
  const tmp = `${out}.tmp-${process.pid}`;
  const stream = createWriteStream(tmp, { mode: 0o600 });
  return {
    stream,
    async done(ok: boolean) {
      if (!stream.closed) await new Promise<void>((resolve) => { stream.once('close', () => resolve()); if (!stream.writableEnded) stream.end(); });
      if (!ok) { await rm(tmp, { force: true }); return; }
      const fh = await open(tmp, 'r+');
      try { await fh.sync(); } finally { await fh.close(); }
      await chmod(tmp, 0o600);
      await rename(tmp, out);
      await syncDir(path.dirname(path.resolve(out)));
    },
  };
}

/** `vibescope export`. */
export async function exportCommand(kit: CliKit, args: string[]): Promise<void> {
  const { values } = kit.parse(args, { format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, account: { type: 'string' },
    kind: { type: 'string' }, playlist: { type: 'string' }, limit: { type: 'string' }, out: { type: 'string', short: 'o' } });
  if (values.help) { process.stdout.write(`${helpTexts(kit.common).export}\n`); return; }
  const format = values.format;
  if (format !== 'csv' && format !== 'json' && format !== 'jsonl' && format !== 'm3u8') kit.fail('--format must be csv, json, jsonl or m3u8');
  const kind = (values.kind ?? 'all') as string;
  if (!['play', 'skip', 'other', 'all'].includes(kind)) kit.fail('--kind must be play, skip, other or all');
  const playlist = (values.playlist ?? 'top') as string;
  if (playlist !== 'top' && playlist !== 'plays') kit.fail('--playlist must be top or plays');
  const limit = values.limit === undefined ? (playlist === 'top' ? 50 : 500) : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) kit.fail('--limit must be an integer from 1 to 5000');
  const loaded = kit.load(values);
  const log = kit.logger(values, loaded);
  const timeZone = resolveTimeZone(loaded.config);
  const account = typeof values.account === 'string' ? values.account : undefined;
  if (account !== undefined && !accountNames(loaded.config).includes(account)) kit.fail(`unknown account "${account}"; configured: ${accountNames(loaded.config).join(', ')}`);
  const query = { from: timeFlag(kit, 'from', values.from, 0, timeZone), to: timeFlag(kit, 'to', values.to, Date.now(), timeZone), account };
  if (query.from > query.to) kit.fail('--from must not be after --to');
  const dataDir = path.resolve(loaded.config.data_dir);
  const out = await sink(typeof values.out === 'string' ? values.out : undefined);
  let ok = false;
  try {
    const holder = await lockHolder(dataDir);
    if (holder) {
      // The server holds the data: it streams the export (no second copy of the database in memory).
      const params = new URLSearchParams({ from: String(query.from), to: String(query.to), ...(account ? { account } : {}),
        ...(format === 'm3u8' ? { limit: String(limit) } : { kind }) });
      const route = format === 'm3u8' ? `/exports/${playlist}.m3u8?${params}` : `/exports/streams.${format}?${params}`;
      const res = await serverClient(holder, loaded.config).request('GET', route).catch((err: Error) => kit.fail(err.message, 1));
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), out.stream, { end: out.stream !== process.stdout });
    } else {
      const core = await openCore({ dataDir, timeZone, log, readOnly: true, skipThresholdMs: loaded.config.skip_threshold_s * 1000 })
        .catch((err: Error) => kit.fail(err.message, 1));
      try {
        const exports = createExports({ store: core.store, version: readVersion(), topTracks: (r, n) => core.stats.top('tracks', r, n, 'plays') });
        if (format === 'm3u8') {
          const result = await exports.playlist(playlist, query, limit);
          out.stream.write(result.text);
          if (result.missing > 0) process.stderr.write(`vibescope: ${result.missing} of the tracks have no matched local file and were left out\n`);
        } else {
          await exports.writeStreams(format, { ...query, kind: kind as 'all' }, out.stream);
        }
      } finally {
        await core.close();
      }
    }
    ok = true;
  } finally {
    await out.done(ok);
  }
}

/** `vibescope backup <file>`. */
export async function backupCommand(kit: CliKit, args: string[]): Promise<void> {
  const { values, positionals } = kit.parse(args);
  if (values.help) { process.stdout.write(`${helpTexts(kit.common).backup}\n`); return; }
  if (positionals.length !== 1) kit.fail('backup needs the file to write: vibescope backup <file>');
  const file = path.resolve(positionals[0]!);
  const loaded = kit.load(values);
  const log = kit.logger(values, loaded);
  const dataDir = path.resolve(loaded.config.data_dir);
  const holder = await lockHolder(dataDir);
  if (holder) {
    const res = await serverClient(holder, loaded.config).request('POST', '/backup').catch((err: Error) => kit.fail(err.message, 1));
    const out = await sink(file);
    let ok = false;
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), out.stream);
      ok = true;
    } finally { await out.done(ok); }
    process.stdout.write(`Backup written to ${file} by the running Vibescope (pid ${holder.pid}).\n`);
    return;
  }
  const lock = await acquireDataLock(dataDir, () => ({ pid: process.pid, port: null, version: readVersion() }));
  try {
    const result = await createBackups({ dataDir, log, version: readVersion() }).backupToFile(file)
      .catch((err: Error) => kit.fail(err.message, 1));
    process.stdout.write(`Backup written to ${file}: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB before compression.\n`);
  } finally {
    await lock.release();
  }
}

/** `vibescope restore <file> [--force]`. */
export async function restoreCommand(kit: CliKit, args: string[]): Promise<void> {
  const { values, positionals } = kit.parse(args, { force: { type: 'boolean' } });
  if (values.help) { process.stdout.write(`${helpTexts(kit.common).restore}\n`); return; }
  if (positionals.length !== 1) kit.fail('restore needs the backup file: vibescope restore <file>');
  const loaded = kit.load(values);
  const log = kit.logger(values, loaded);
  const dataDir = path.resolve(loaded.config.data_dir);
  const holder = await lockHolder(dataDir);
  if (holder) kit.fail(`Vibescope (pid ${holder.pid}) is running on this data folder: stop it first, then restore.`, 1);
  const lock = await acquireDataLock(dataDir, () => ({ pid: process.pid, port: null, version: readVersion() }));
  try {
    const timeZone = resolveTimeZone(loaded.config);
    const result = await createBackups({ dataDir, log, version: readVersion() }).restore(path.resolve(positionals[0]!), {
      force: values.force === true,
      open: async (dir) => {
        const core = await openCore({ dataDir: dir, timeZone, log, readOnly: true });
        try {
          const totals = core.stats.totals();
          return { streams: totals.reduce((a, t) => a + t.streams, 0), plays: totals.reduce((a, t) => a + t.plays, 0), accounts: totals.map((t) => t.account) };
        } finally { await core.close(); }
      },
    }).catch((err: Error) => kit.fail(err.message, 1));
    process.stdout.write(`Restored ${result.files} files: ${result.streams} streams (${result.plays} plays) of ${result.accounts.join(', ') || 'no account'}.\n`
      + (result.moved_aside ? `The data it replaced is in ${result.moved_aside}; delete that folder once you are happy.\n` : ''));
  } finally {
    await lock.release();
  }
}

/**
 * `vibescope backup-hook pre|post`: Home Assistant's backup_pre / backup_post (config.yaml). `pre`
 * asks the running server to write a snapshot and hold writes; `post` lets them go on. Without a
 * running server there is nothing to hold: it does nothing.
 */
export async function backupHookCommand(kit: CliKit, args: string[]): Promise<void> {
  const { values, positionals } = kit.parse(args);
  const step = positionals[0];
  if (values.help || (step !== 'pre' && step !== 'post')) {
    process.stdout.write('Usage: vibescope backup-hook pre|post (run by Home Assistant around a backup)\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  const loaded = kit.load(values);
  const holder = await lockHolder(path.resolve(loaded.config.data_dir));
  if (!holder?.port) return;
  const client = serverClient(holder, loaded.config);
  await client.request('POST', step === 'pre' ? '/backup/pause' : '/backup/resume', {}).catch((err: Error) => kit.fail(err.message, 1));
}

/** `vibescope scrobble [--backfill …]`. */
export async function scrobbleCommand(kit: CliKit, args: string[]): Promise<void> {
  const { values } = kit.parse(args, { backfill: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, account: { type: 'string' } });
  if (values.help) { process.stdout.write(`${helpTexts(kit.common).scrobble}\n`); return; }
  const loaded = kit.load(values);
  const log = kit.logger(values, loaded);
  if (!loaded.config.scrobble_url || !loaded.config.scrobble_token) kit.fail('scrobbling is off: set the scrobble_url and scrobble_token options first', 1);
  const timeZone = resolveTimeZone(loaded.config);
  const account = typeof values.account === 'string' ? values.account : null;
  if (account !== null && !accountNames(loaded.config).includes(account)) kit.fail(`unknown account "${account}"; configured: ${accountNames(loaded.config).join(', ')}`);
  const from = timeFlag(kit, 'from', values.from, 0, timeZone);
  const to = timeFlag(kit, 'to', values.to, Date.now(), timeZone);
  const dataDir = path.resolve(loaded.config.data_dir);
  const holder = await lockHolder(dataDir);
  let status: Record<string, unknown>;
  if (holder) {
    const client = serverClient(holder, loaded.config);
    const res = values.backfill ? await client.request('POST', '/scrobble/backfill', { from, to, account }) : await client.request('GET', '/scrobble/status');
    status = await res.json().catch((err: Error) => kit.fail(err.message, 1)) as Record<string, unknown>;
  } else {
    const lock = await acquireDataLock(dataDir, () => ({ pid: process.pid, port: null, version: readVersion() }));
    try {
      const core = await openCore({ dataDir, timeZone, log, skipThresholdMs: loaded.config.skip_threshold_s * 1000 });
      try {
        const outbox = createOutbox(core.store);
        await outbox.ensureStarted();
        if (values.backfill) await outbox.requestBackfill(from, to, account);
        status = { state: 'not running', ...outbox.counts() };
      } finally { await core.close(); }
    } finally { await lock.release(); }
  }
  process.stdout.write(`Scrobbling to ${new URL(loaded.config.scrobble_url).host}: ${String(status.state)}; plays waiting ${String(status.pending)}, `
    + `in backfill ${String(status.backfill_pending)}, sent ${String(status.sent)}, refused ${String(status.refused)}`
    + `${status.last_error ? `; last error: ${String(status.last_error)}` : ''}\n`
    + (values.backfill ? (holder ? 'The backfill is being sent now.\n' : 'The backfill is queued; it is sent when Vibescope runs.\n') : ''));
}
