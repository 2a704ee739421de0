import { openAsBlob } from 'node:fs';
import path from 'node:path';
import type { Config } from './config/index.js';
import type { LockInfo } from './store/index.js';
import type { ImportReport } from './importers/index.js';
import type { Story } from './story/index.js';
import type { RunState } from './playlists/index.js';

/**
 * Talks to a running Vibescope over its REST API on loopback: what the one-shot commands do instead
 * of opening the data folder themselves while a server holds it (connect never overwrites the
 * server's token file; import goes through the server's own import job).
 */
export function serverClient(holder: LockInfo, config: Pick<Config, 'web_username' | 'web_password'>) {
  if (!holder.port) throw new Error('the running Vibescope has not opened its port yet; try again in a few seconds');
  const base = `http://127.0.0.1:${holder.port}/api/v1`;
  const headers: Record<string, string> = {};
  if (config.web_username && config.web_password) {
    headers.authorization = `Basic ${Buffer.from(`${config.web_username}:${config.web_password}`).toString('base64')}`;
  }
  async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${route}`, { method, headers: { ...headers, ...(body instanceof FormData ? {} : { 'content-type': 'application/json' }) },
      body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json().catch(() => ({})) as { error?: { message?: string } };
    if (!res.ok) throw new Error(json.error?.message ?? `the server answered ${res.status}`);
    return json as T;
  }
  return {
    /** Asks the server for a period's story and waits for it (POST /api/v1/stories, wait=true). */
    createStory: (request: { account: string; period: string; start?: string | undefined; force: boolean }) =>
      call<{ story: Story; created: boolean }>('POST', '/stories', { ...request, wait: true }),
    /** A raw request (downloads: exports, backups), for the caller to stream; throws with the server's message when it fails. */
    async request(method: string, route: string, body?: unknown): Promise<Response> {
      const res = await fetch(`${base}${route}`, { method, headers: { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) {
        const json = await res.json().catch(() => ({})) as { error?: { message?: string } };
        throw new Error(json.error?.message ?? `the server answered ${res.status}`);
      }
      return res;
    },
    startConnect: (account: string) => call<{ url: string }>('POST', '/auth/start', { account }),
    finishConnect: (url: string) => call<{ account: string }>('POST', '/auth/finish', { url }),
    /** Starts a playlist run on the server; then poll {@link playlistRun} until it is no longer running. */
    startPlaylistRun: (body: { account: string; dry_run: boolean; kind: 'vibe' | 'mixtape' }) => call<RunState>('POST', '/playlists/runs', { ...body, trigger: 'cli' }),
    playlistRun: (id: number) => call<RunState>('GET', `/playlists/runs/${id}`),
    /** Uploads files to the server's import and waits for its report. */
    async importFiles(paths: string[], account: string, onProgress: (p: { bytes_done: number; bytes_total: number; rows_read: number; files_done: number }) => void): Promise<ImportReport> {
      const form = new FormData();
      form.set('account', account);
      for (const p of paths) form.append('files', await openAsBlob(p), path.basename(p));
      const { job_id } = await call<{ job_id: string }>('POST', `/imports?account=${encodeURIComponent(account)}`, form);
      for (;;) {
        const job = await call<{ state: string; error: string | null; report: ImportReport | null; bytes_done: number; bytes_total: number; rows_read: number; files_done: number }>('GET', `/imports/${job_id}`);
        onProgress(job);
        if (job.state !== 'running') {
          if (job.report) return job.report;
          throw new Error(job.error ?? 'the import failed');
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}
