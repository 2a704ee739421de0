#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=32768 node --optimize-for-size --max-semi-space-size=1 --expose-gc
// The line above is how the product runs node (package.json "start" repeats it; the add-on's s6 script passes
// the same V8 flags, and its musl ignores glibc's variable). MALLOC_MMAP_THRESHOLD_ (glibc, man mallopt
// M_MMAP_THRESHOLD): blocks of 32 KiB and more get their own mapping, returned to the system when freed.
// V8's optimizing compiler takes its working memory in 32 KiB segments on background threads; compiling the
// database's WebAssembly (sql.js) alone peaks at ~16 MB (heaptrack). From glibc's per-thread arenas that memory
// never went back, so the server's RSS after start-up wandered by 10–20 MB from run to run (124–146 MB at
// 250 000 plays, against 123–127 MB with this threshold). The price: a mapping per segment, 1–1.7 s more
// system CPU over an import of 250 000 rows. V8 heap pages and WebAssembly memory are mapped by V8 itself.
// --expose-gc: the store collects garbage around writing a snapshot (store/index.ts collectGarbage).
import { parseArgs } from 'node:util';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { accountNames, loadConfig, resolveTimeZone, DEFAULT_ACCOUNT, type LoadedConfig } from './config/index.js';
import { createLogger, type Logger } from './log.js';
import { VibescopeError } from './errors.js';
import { readVersion } from './version.js';
import { startVibescope } from './main.js';
import { createBus } from './bus.js';
import { acquireDataLock, isStorageErrno, lockHolder, storageError } from './store/index.js';
import { openCore } from './core.js';
import type { ImportReport } from './importers/index.js';
import { createSpotify, openTokenStore } from './spotify/index.js';
import { serverClient } from './cli-server.js';
import { createStories, storyConfigOf, type Story } from './story/index.js';
import { resolveStoryLanguage } from './config/index.js';
import { createPlaylists, type RunState } from './playlists/index.js';
import { backupCommand, backupHookCommand, exportCommand, helpTexts, restoreCommand, scrobbleCommand, type CliKit } from './cli-exports.js';

const COMMON = `
Options for every command:
  --data-dir DIR   where the database, journal and tokens live (default ./data; option data_dir)
  --log-level L    trace, debug, info, notice, warning, error, fatal
  -h, --help       this help

Every option can also be set as VIBESCOPE_<OPTION> (VIBESCOPE_DATA_DIR, VIBESCOPE_PORT,
VIBESCOPE_CLIENT_ID, …), in ./vibescope.yaml, or (add-on) in /data/options.json.`;

const HELP: Record<string, string> = {
  main: `vibescope - every Spotify play and skip, kept on your own box

Usage: vibescope [command] [options]

Commands:
  serve      run the server: polling, REST API on :8099 (the default command)
  connect    connect a Spotify account (Authorization Code with PKCE)
  import     import listening history (Spotify export, ListenBrainz, Maloja, Last.fm…)
  status     show accounts, stored plays and the store's state
  scan       scan the music folders (library_paths) now and analyse new files
  analyze    print audio descriptors (tempo, key, loudness…) of music files as JSON lines
  story      write the story of a week, month or year (Gemini, a local model, or the template)
  export     write your streams as CSV, JSON, ListenBrainz JSONL or an M3U8 playlist
  backup     write one consistent backup archive of the data folder
  restore    restore a backup archive into the data folder
  scrobble   show the scrobble outbox; --backfill sends stored history
  playlist   generate the vibe playlist (or the weekly mixtape) now and explain it

Run "vibescope <command> --help" for a command's options.${COMMON}`,
  serve: `Usage: vibescope serve [--port N] [--data-dir DIR]

Runs Vibescope: polls every connected Spotify account (recently-played every 60 s,
the player every 15 s), records plays and skips, serves the REST API under /api/v1.
  --port N   HTTP port (default 8099; option port)${COMMON}`,
  connect: `Usage: vibescope connect [--account NAME] [--url PASTED_URL]

Prints Spotify's consent URL. Open it, allow access; the browser then lands on
http://127.0.0.1:8888/callback?code=… (the page will not load - that is expected).
Paste that whole address back here. Needs the client_id option (your Spotify app).
  --account NAME   which account to connect (default: the only configured one, else "default")
  --url URL        finish a consent started before, with the URL the browser landed on${COMMON}`,
  import: `Usage: vibescope import <path...> [--account NAME]

Imports listening history: Spotify privacy exports (my_spotify_data.zip, an unpacked
folder, Streaming_History_Audio_*.json, endsong_*.json, StreamingHistory_music_*.json),
a ListenBrainz export (the zip from "Export listens", or its .jsonl files), a Maloja
export, a Rockbox .scrobbler.log, a Libre.fm / Last.fm CSV or a Pano Scrobbler export;
each file is recognised by its content. Plays that two sources hold (Spotify and a
scrobbler) are counted once. Prints a report
per file (rows read, streams stored, plays, skips, merged duplicates, rejected rows).
Importing the same file again changes nothing. Exits 1 when nothing could be imported.
Stop the server first, or upload through it (POST /api/v1/imports).
  --account NAME   the account the streams belong to (default: the only configured one, else "default")${COMMON}`,
  scan: `Usage: vibescope scan [--data-dir DIR]

Scans the folders of the library_paths option (VIBESCOPE_LIBRARY_PATHS=/music,/more) for mp3, flac,
ogg, opus, m4a and wav files, reads their tags, matches them to your Spotify tracks and analyses the
new or changed ones. Files that vanished are marked gone; files that fail are listed with the reason.
Stop the server first, or use POST /api/v1/library/scan.${COMMON}`,
  analyze: `Usage: vibescope analyze <file...>

Decodes each file with ffmpeg (FFMPEG_PATH, else ffmpeg-static, else ffmpeg on PATH) and prints
one JSON object per line: path, duration_s, loudness_lufs, rms_dbfs, tempo_bpm, tempo_confidence,
key, mode, key_confidence, spectral_centroid_hz, spectral_rolloff_hz, spectral_flatness, zcr,
onset_rate, dynamic_range_db, energy, danceability, brightness, acousticness, valence (the last
five are Vibescope's own 0..1 heuristics, not Spotify's). A file that fails prints {path, error}
and the exit status is 1.${COMMON}`,
  story: `Usage: vibescope story [--period week|month|year] [--start DATE] [--account NAME] [--force]

Writes (or shows, when it exists) the story of one period from its computed statistics: by the
ai_provider option (none: the template; gemini; openai_compatible), checked against the facts,
stored and, with a server running, published to Home Assistant. Through the running server when
there is one (POST /api/v1/stories), else on the data folder directly.
  --period P     week (default), month or year
  --start DATE   any day of the period (YYYY-MM-DD); default the last complete period
  --account NAME the account (default: the only configured one, else "default")
  --force        write it again even when the period has a story (it is replaced)
  --json         print the whole story as JSON${COMMON}`,
  playlist: `Usage: vibescope playlist generate [--account NAME] [--dry-run] [--mixtape]

Builds an account's vibe playlist now (or, with --mixtape, the weekly mixtape of the week's mood) and
prints it: every track with its source, score and why it was chosen, the candidates each source gave
and the top candidates that were left out, with the reason. Without --dry-run the list is written to
Spotify (needs the vibe_playlists option and a consent that allows it: connect again after turning it
on) and as an M3U8 file of your matched music files; a dry run writes nothing. When a server is running,
the run goes through it. Exits 1 when the run failed.
  --account NAME   the account (default: the only configured one, else "default")
  --dry-run        build and explain the list, write nothing
  --mixtape        the weekly mixtape instead of the vibe playlist${COMMON}`,
  status: `Usage: vibescope status

Shows each account's connection and sync state, stored plays, and the store's
snapshot and journal.${COMMON}`,
};

function fail(message: string, code = 2): never {
  process.stderr.write(`vibescope: ${message}\n`);
  process.exit(code);
}

type Option = { type: 'string' | 'boolean'; short?: string };
/** Parsed flags: strings, booleans, and positionals. */
interface Parsed { values: Record<string, string | boolean | undefined>; positionals: string[] }

function parse(args: string[], extra: Record<string, Option> = {}): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      'data-dir': { type: 'string' }, 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...extra } });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    return fail(`${(err as Error).message}\nRun "vibescope --help".`);
  }
}

function load(values: Record<string, unknown>, flags: Record<string, unknown> = {}): LoadedConfig {
  try {
    return loadConfig({ flags: { data_dir: values['data-dir'], log_level: values['log-level'], ...flags } });
  } catch (err) {
    return fail((err as Error).message);
  }
}

function pickAccount(loaded: LoadedConfig, given: unknown): string {
  const names = accountNames(loaded.config);
  const account = typeof given === 'string' ? given : names.length === 1 ? names[0]! : DEFAULT_ACCOUNT;
  if (!names.includes(account)) fail(`unknown account "${account}"; configured: ${names.join(', ')}`);
  return account;
}

async function serve(args: string[]): Promise<void> {
  const { values } = parse(args, { port: { type: 'string' } });
  if (values.help) { process.stdout.write(`${HELP.serve}\n`); return; }
  const loaded = load(values, { port: values.port });
  // The add-on's Log tab shows stdout as text: plain lines there, JSON lines standalone.
  const log = createLogger(loaded.config.log_level, undefined, { format: loaded.addon ? 'plain' : 'json' });
  const app = await startVibescope({ config: loaded.config, addon: loaded.addon, log, version: readVersion() });
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) return;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => { log.error('shutdown took too long, exiting'); process.exit(1); }, 8_000);
    force.unref();
    app.stop().then(() => process.exit(0), (err: Error) => { log.error({ err }, 'shutdown failed'); process.exit(1); });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function printReport(report: ImportReport): void {
  const out = process.stdout;
  for (const f of report.files) {
    out.write(`\n${f.file}\n`);
    if (f.error) { out.write(`  FAILED, nothing of it stored: ${f.error}\n`); continue; }
    out.write(`  format ${f.format}; rows read ${f.rows_read}; streams stored ${f.streams_stored}; plays ${f.plays}; skips ${f.skips}; `
      + `merged duplicates ${f.merged_duplicates}; already imported ${f.already_imported}; rows rejected ${f.rows_rejected}\n`);
    for (const r of f.rejected.slice(0, 20)) out.write(`  rejected row ${r.index}: ${r.reason}\n`);
    if (f.rows_rejected > 20) out.write(`  … and ${f.rows_rejected - 20} more rejected rows\n`);
    if (f.unknown_fields.length) out.write(`  unknown fields (ignored): ${f.unknown_fields.join(', ')}\n`);
  }
  const t = report.totals;
  out.write(`\nTotal: rows read ${t.rows_read}, streams stored ${t.streams_stored}, plays ${t.plays}, skips ${t.skips}, `
    + `merged duplicates ${t.merged_duplicates}, already imported ${t.already_imported}, rejected ${t.rows_rejected}, files failed ${t.files_failed}\n`);
  if (!report.ok) out.write(`\nImport FAILED: ${report.error}\n`);
}

/** Opens the data core directly (no server) for one-shot commands, holding the data folder's lock. */
async function openOffline(loaded: LoadedConfig, log: Logger) {
  const dataDir = path.resolve(loaded.config.data_dir);
  const lock = await acquireDataLock(dataDir, () => ({ pid: process.pid, port: null, version: readVersion() }));
  try {
    const core = await openCore({ dataDir, timeZone: resolveTimeZone(loaded.config), log, skipThresholdMs: loaded.config.skip_threshold_s * 1000 });
    return { ...core, dataDir, close: async () => { await core.close(); await lock.release(); } };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function progressBar() {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'importing [{bar}] {percentage}% | {rows} rows | {files}',
    hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(p: { bytes_done: number; bytes_total: number; rows_read: number; files_done: number }) {
      if (!started && process.stderr.isTTY) { bar.start(Math.max(1, p.bytes_total), 0, { rows: 0, files: '' }); started = true; }
      if (started) bar.update(Math.min(p.bytes_done, p.bytes_total), { rows: p.rows_read, files: `${p.files_done} file(s) done` });
    },
    stop() { if (started) bar.stop(); },
  };
}

async function importCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { account: { type: 'string' } });
  if (values.help) { process.stdout.write(`${HELP.import}\n`); return; }
  if (positionals.length === 0) fail('import needs at least one path (a zip, a folder or JSON files)');
  const loaded = load(values);
  const log = createLogger(values['log-level'] ? loaded.config.log_level : 'warn');
  const account = pickAccount(loaded, values.account);
  const dataDir = path.resolve(loaded.config.data_dir);
  const bar = await progressBar();
  const holder = await lockHolder(dataDir);
  if (holder) {
    // A server holds the data folder: import through it (its own job, same report).
    const files = await expandFiles(positionals);
    const report = await serverClient(holder, loaded.config).importFiles(files, account, (p) => bar.update(p)).catch((err: Error) => fail(err.message, 1));
    bar.stop();
    process.stdout.write(`Imported into account "${account}" through the running Vibescope (pid ${holder.pid})\n`);
    printReport(report);
    process.exitCode = report.ok ? 0 : 1;
    return;
  }
  const offline = await openOffline(loaded, log);
  try {
    const report = await offline.importer.importPaths(positionals, { account, onProgress: (p) => bar.update(p) });
    bar.stop();
    process.stdout.write(`Imported into account "${account}" (${offline.dataDir})\n`);
    printReport(report);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await offline.close();
  }
}

/** Files for an upload: folders are expanded to the files in them (the server finds the history files). */
async function expandFiles(paths: string[]): Promise<string[]> {
  const { readdir, stat } = await import('node:fs/promises');
  const out: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => fail(`no such file or folder: ${p}`, 1));
    if (!info.isDirectory()) { out.push(p); continue; }
    for (const entry of await readdir(p, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && /\.(json|jsonl|ndjson|csv|log|txt|tsv|zip)$/i.test(entry.name)) out.push(path.join(entry.parentPath, entry.name));
    }
  }
  return out;
}

async function connectCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { account: { type: 'string' }, url: { type: 'string' } });
  if (values.help) { process.stdout.write(`${HELP.connect}\n`); return; }
  const loaded = load(values);
  const log = createLogger(values['log-level'] ? loaded.config.log_level : 'warn');
  const account = pickAccount(loaded, values.account);
  const dataDir = path.resolve(loaded.config.data_dir);
  const askUrl = async (url: string): Promise<string> => {
    if (typeof values.url === 'string') return values.url;
    process.stdout.write(`1. Open this address in a browser and allow access:\n\n${url}\n\n`
      + `2. The browser then tries to open ${loaded.config.redirect_uri}?code=… and shows an error page: that is expected.\n`
      + '3. Copy the whole address from the address bar and paste it here.\n\n');
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const pasted = await rl.question('Address: ');
    rl.close();
    return pasted;
  };
  const holder = await lockHolder(dataDir);
  if (holder) {
    // The server owns the token file: connect through it, never behind its back.
    const client = serverClient(holder, loaded.config);
    try {
      const url = typeof values.url === 'string' ? '' : (await client.startConnect(account)).url;
      const { account: connected } = await client.finishConnect(await askUrl(url));
      process.stdout.write(`Connected account "${connected}" through the running Vibescope; it polls from now on.\n`);
    } catch (err) {
      fail((err as Error).message, 1);
    }
    return;
  }
  const lock = await acquireDataLock(dataDir, () => ({ pid: process.pid, port: null, version: readVersion() }));
  const tokens = await openTokenStore(dataDir, { onDamaged: (movedTo) => process.stderr.write(`vibescope: the saved Spotify connection was damaged and was set aside${movedTo ? ` (${path.basename(movedTo)})` : ''}.\n`) });
  const spotify = createSpotify({ config: loaded.config, tokens, ingest: null as never, bus: createBus(log), log, accounts: accountNames(loaded.config) });
  try {
    const url = typeof values.url === 'string' ? '' : (await spotify.startConnect(account)).url;
    const { account: connected } = await spotify.finishConnect(await askUrl(url));
    await spotify.stop();
    process.stdout.write(`Connected account "${connected}". Start the server (vibescope serve) and it polls from now on.\n`);
  } catch (err) {
    await spotify.stop();
    await lock.release();
    fail((err as Error).message, 1);
  }
  await lock.release();
}

async function statusCommand(args: string[]): Promise<void> {
  const { values } = parse(args);
  if (values.help) { process.stdout.write(`${HELP.status}\n`); return; }
  const loaded = load(values);
  const log = createLogger('warn');
  const dataDir = path.resolve(loaded.config.data_dir);
  // Read-only: no lock, nothing on disk created, moved or deleted (a server may be running).
  const tokens = await openTokenStore(dataDir, { readOnly: true });
  const core = await openCore({ dataDir, timeZone: resolveTimeZone(loaded.config), log, readOnly: true,
    skipThresholdMs: loaded.config.skip_threshold_s * 1000 }).catch((err: Error) => fail(err.message, 1));
  const info = await core.store.info();
  const totals = new Map(core.stats.totals().map((t) => [t.account, t]));
  const holder = await lockHolder(dataDir);
  process.stdout.write(`Vibescope ${readVersion()} - data in ${dataDir}${holder ? ` (served by pid ${holder.pid}${holder.port ? ` on port ${holder.port}` : ''})` : ''}\n`);
  for (const account of accountNames(loaded.config)) {
    const state = tokens.account(account);
    const t = totals.get(account);
    const conn = state.needs_reconnect ? `NEEDS RECONNECT (${state.reconnect_reason})` : state.tokens ? 'connected' : 'not connected';
    process.stdout.write(`  ${account}: ${conn}; ${t?.plays ?? 0} plays, ${t?.skips ?? 0} skips, ${t?.streams ?? 0} streams; `
      + `last stream ${t?.last_ended_at ? new Date(t.last_ended_at).toISOString() : 'never'}\n`);
  }
  process.stdout.write(`  snapshot: ${info.snapshot_bytes} bytes, written ${info.last_snapshot_at ? new Date(info.last_snapshot_at).toISOString() : 'never'}; `
    + `journal records not yet in the snapshot: ${info.recovery.journal_records_pending}\n`);
  for (const p of core.health.state().problems) process.stdout.write(`  problem: ${p.message}\n`);
  await core.close();
}

/** The fields `analyze` prints, in order (the MFCC summary stays in the library API). */
const ANALYZE_FIELDS = ['path', 'duration_s', 'loudness_lufs', 'rms_dbfs', 'tempo_bpm', 'tempo_confidence', 'key', 'mode', 'key_confidence',
  'spectral_centroid_hz', 'spectral_rolloff_hz', 'spectral_flatness', 'zcr', 'onset_rate', 'dynamic_range_db', 'energy', 'danceability',
  'brightness', 'acousticness', 'valence'] as const;

async function analyzeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args);
  if (values.help) { process.stdout.write(`${HELP.analyze}\n`); return; }
  if (positionals.length === 0) fail('analyze needs at least one audio file');
  const { analyzeFile, resolveFfmpeg } = await import('./audio/index.js');
  const paths = resolveFfmpeg();
  let failed = 0;
  for (const file of positionals) {
    try {
      const d = await analyzeFile(file, paths) as unknown as Record<string, unknown>;
      process.stdout.write(`${JSON.stringify(Object.fromEntries(ANALYZE_FIELDS.map((k) => [k, d[k] ?? null])))}\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`${JSON.stringify({ path: file, error: (err as Error).message })}\n`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

async function scanCommand(args: string[]): Promise<void> {
  const { values } = parse(args);
  if (values.help) { process.stdout.write(`${HELP.scan}\n`); return; }
  const loaded = load(values);
  if (loaded.config.library_paths.length === 0) fail('no music folders configured: set library_paths (VIBESCOPE_LIBRARY_PATHS=/path/to/music)');
  const log = createLogger(values['log-level'] ? loaded.config.log_level : 'warn');
  const offline = await openOffline(loaded, log);
  try {
    const { createAudioLibrary } = await import('./audio/index.js');
    const library = createAudioLibrary({ store: offline.store, bus: offline.bus, log, roots: loaded.config.library_paths.map((p) => path.resolve(p)) });
    const report = await library.scan();
    const status = library.status();
    process.stdout.write(`Scanned ${status.roots.join(', ')}: ${report.files_seen} files, ${report.changed} new or changed, ${report.gone} gone; `
      + `analysed ${report.analysed}, failed ${report.failed}, matched to Spotify tracks ${report.matched}.\n`
      + `Library: ${status.analysed} analysed, ${status.failed} failed, ${status.gone} gone, ${status.matched} matched.\n`);
    for (const f of status.failures) process.stdout.write(`  failed: ${f.path}: ${f.reason}\n`);
  } finally {
    await offline.close();
  }
}

function printStory(story: Story, created: boolean, json: boolean): void {
  const out = process.stdout;
  if (json) { out.write(`${JSON.stringify(story, null, 2)}\n`); return; }
  out.write(`${story.title}\n\n${story.summary}\n\n`);
  for (const h of story.highlights) out.write(`  - ${h.text}\n`);
  out.write(`\nPersona: ${story.persona.name}: ${story.persona.description}\n\n`);
  const by = story.source === 'model' ? `${story.provider} (${story.model})` : 'the template';
  const cost = story.tokens ? `; ${story.tokens.total ?? '?'} tokens, ${story.latency_ms} ms` : '';
  out.write(`${story.period} ${story.start} to ${story.end}; ${created ? 'written' : 'stored earlier'} by ${by}${cost}; status ${story.status}\n`);
  if (story.error) out.write(`The model gave no story: ${story.error.message}\n`);
  if (story.status === 'rejected') out.write(`The model's story was rejected: ${story.rejected?.grounding.violations.map((v) => v.message).slice(0, 5).join('; ')}\n`);
}

async function storyCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { period: { type: 'string' }, start: { type: 'string' }, account: { type: 'string' }, force: { type: 'boolean' },
    json: { type: 'boolean' } });
  if (values.help) { process.stdout.write(`${HELP.story}\n`); return; }
  const period = typeof values.period === 'string' ? values.period : 'week';
  if (!['week', 'month', 'year'].includes(period)) fail(`--period: got "${period}", expected week, month or year`);
  const start = typeof values.start === 'string' ? values.start : undefined;
  const loaded = load(values);
  const log = createLogger(values['log-level'] ? loaded.config.log_level : 'warn');
  const account = pickAccount(loaded, values.account);
  const request = { account, period: period as 'week' | 'month' | 'year', start, force: values.force === true };
  const dataDir = path.resolve(loaded.config.data_dir);
  const holder = await lockHolder(dataDir);
  if (holder) {
    const { story, created } = await serverClient(holder, loaded.config).createStory(request).catch((err: Error) => fail(err.message, 1));
    printStory(story, created, values.json === true);
    process.exitCode = story.status === 'failed' ? 1 : 0;
    return;
  }
  const offline = await openOffline(loaded, log);
  try {
    const language = await resolveStoryLanguage(loaded.config, log);
    const stories = createStories({ store: offline.store, stats: offline.stats, bus: offline.bus, health: offline.health, log,
      config: storyConfigOf(loaded.config, language) });
    const { story, created } = await stories.generate(request);
    printStory(story, created, values.json === true);
    process.exitCode = story.status === 'failed' ? 1 : 0;
  } finally {
    await offline.close();
  }
}
/** What the commands in cli-exports.ts borrow from here. */
const kit: CliKit = { parse, load: (values) => load(values), fail, common: COMMON,
  logger: (values, loaded) => createLogger(values['log-level'] ? loaded.config.log_level : 'warn') };
Object.assign(HELP, helpTexts(COMMON));

/** Prints a finished run: the list with why, sources, exclusions, notes. */
function printRun(run: RunState): void {
  const out = process.stdout;
  const what = run.kind === 'mixtape' ? 'mixtape' : 'vibe playlist';
  out.write(`${run.dry_run ? 'Dry run of the' : 'The'} ${what} of "${run.account}" (run ${run.id}): ${run.status === 'success' ? 'done' : 'FAILED'}\n`);
  if (run.name) out.write(`  ${run.name}\n  ${run.description ?? ''}\n`);
  if (run.spotify_url) out.write(`  Spotify: ${run.spotify_url}\n`);
  if (run.m3u_path) out.write(`  M3U: ${run.m3u_path} (${run.m3u_tracks} local files)\n`);
  out.write(`  ${run.totals.total} tracks, ${run.totals.new} new to you, ${run.totals.reused} you streamed before; ${Math.round(run.duration_ms / 60_000)} minutes\n\n`);
  for (const t of run.tracks) {
    out.write(`  ${String(t.position + 1).padStart(3)}. ${t.artist_name ?? '?'} - ${t.name}${t.is_new ? '  [new]' : ''}\n       ${t.source}, score ${t.score.toFixed(3)}: ${t.why}\n`);
  }
  out.write('\n  Candidates per source:\n');
  for (const s of run.sources) out.write(`    ${s.source}: ${s.candidates}${s.status === 'ok' ? '' : ` (${s.status}: ${s.error})`}\n`);
  if (run.exclusions.length) {
    out.write('  Left out from the top:\n');
    for (const e of run.exclusions) out.write(`    ${e.artist_name ?? '?'} - ${e.name}: ${e.reason}\n`);
  }
  for (const n of run.notes) out.write(`  Note: ${n}\n`);
  if (run.error) out.write(`\n  ${run.error}\n`);
}

async function playlistCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { account: { type: 'string' }, 'dry-run': { type: 'boolean' }, mixtape: { type: 'boolean' } });
  if (values.help || positionals[0] !== 'generate') {
    if (!values.help) process.stderr.write(positionals[0] ? `vibescope: unknown playlist command "${positionals[0]}"\n\n` : '');
    process.stdout.write(`${HELP.playlist}\n`);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const loaded = load(values);
  const log = createLogger(values['log-level'] ? loaded.config.log_level : 'warn');
  const account = pickAccount(loaded, values.account);
  const body = { account, dry_run: values['dry-run'] === true, kind: values.mixtape ? 'mixtape' as const : 'vibe' as const };
  const dataDir = path.resolve(loaded.config.data_dir);
  const holder = await lockHolder(dataDir);
  if (holder) {
    // The server owns the data folder: run through it (one run at a time per account, its own log).
    const client = serverClient(holder, loaded.config);
    try {
      let run = await client.startPlaylistRun(body);
      while (run.status === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 500));
        run = await client.playlistRun(run.id);
      }
      process.stdout.write(`Made through the running Vibescope (pid ${holder.pid}).\n`);
      printRun(run);
      process.exitCode = run.status === 'success' ? 0 : 1;
    } catch (err) {
      fail((err as Error).message, 1);
    }
    return;
  }
  const offline = await openOffline(loaded, log);
  try {
    const tokens = await openTokenStore(offline.dataDir);
    const accounts = accountNames(loaded.config);
    const spotify = createSpotify({ config: loaded.config, tokens, ingest: offline.ingest, bus: offline.bus, log, accounts });
    const playlists = createPlaylists({ store: offline.store, bus: offline.bus, health: offline.health, log, config: loaded.config, accounts,
      spotify: { api: spotify.playlistsApi, grantedScopes: spotify.grantedScopes },
      m3uDir: loaded.config.vibe_m3u_dir ? path.resolve(loaded.config.vibe_m3u_dir) : path.join(offline.dataDir, 'playlists') });
    await playlists.start();
    const { done } = await playlists.generate(account, { kind: body.kind, dry_run: body.dry_run, trigger: 'cli' });
    const run = await done;
    printRun(run);
    process.exitCode = run.status === 'success' ? 0 : 1;
  } finally {
    await offline.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  const commands: Record<string, (args: string[]) => Promise<void>> = { serve, import: importCommand, connect: connectCommand, status: statusCommand,
    analyze: analyzeCommand, scan: scanCommand, story: storyCommand,
    export: (a) => exportCommand(kit, a), backup: (a) => backupCommand(kit, a), restore: (a) => restoreCommand(kit, a),
    'backup-hook': (a) => backupHookCommand(kit, a), scrobble: (a) => scrobbleCommand(kit, a),
    playlist: playlistCommand };
  if (first === undefined || first.startsWith('-')) {
    if (first === '--help' || first === '-h') { process.stdout.write(`${HELP.main}\n`); return; }
    if (first === '--version') { process.stdout.write(`${readVersion()}\n`); return; }
    return serve(argv);
  }
  const command = commands[first];
  if (!command) fail(`unknown command "${first}"\n\n${HELP.main}`);
  return command(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof VibescopeError) fail(err.message, 1);
  if (isStorageErrno(err)) fail(storageError(err, 'start').message, 1);
  // Not one of ours: a sentence for the person; the detail (stack) goes to the log.
  createLogger('error').error({ err }, 'vibescope stopped because of an unexpected error');
  fail(`stopped because of an unexpected error (${(err as Error).message ?? String(err)}). The log line above has the details; please report it.`, 1);
});
