import type { Logger } from '../log.js';
import type { Ingest } from '../ingest/index.js';
import { SpotifyError } from '../errors.js';
import type { IncomingStream } from '../types.js';
import type { SpotifyClient } from './http.js';
import type { TokenStore } from './token-store.js';
import { recentlyPlayedSchema, toTrackInfo } from './parse.js';

export interface HistoryPollerDeps { account: string; client: SpotifyClient; ingest: Ingest; tokens: TokenStore; log: Logger }

/**
 * Polls GET /me/player/recently-played (limit 50) with the `after` cursor in ms
 * (https://developer.spotify.com/documentation/web-api/reference/get-recently-played). Each item is a
 * play whose `played_at` is its END; its ms_played is the track's duration unless the player watcher
 * saw less (ingest merges them). Tracks, albums and artists are stored from the item's own objects.
 */
export function createHistoryPoller({ account, client, ingest, tokens, log }: HistoryPollerDeps) {
  /** One poll. Resolves to the number of new streams; the cursor moves only after ingest made them durable. */
  async function pollOnce(): Promise<{ items: number; inserted: number; merged: number }> {
    const after = tokens.account(account).cursor_after;
    const params: Record<string, number> = { limit: 50 };
    if (after !== null) params.after = after;
    const res = await client.get<unknown>(account, '/me/player/recently-played', params);
    if (res.data === null) return { items: 0, inserted: 0, merged: 0 };
    const parsed = recentlyPlayedSchema.safeParse(res.data);
    if (!parsed.success) {
      throw new SpotifyError('SPOTIFY_BAD_RESPONSE', 'GET /me/player/recently-played', `unexpected shape: ${parsed.error.issues[0]?.message}`);
    }
    const records: IncomingStream[] = [];
    let newest = after ?? 0;
    for (const item of parsed.data.items) {
      const endedAt = Date.parse(item.played_at);
      if (!Number.isFinite(endedAt)) { log.warn({ account, played_at: item.played_at }, 'poller: item with a bad played_at skipped'); continue; }
      newest = Math.max(newest, endedAt);
      records.push({ account, source: 'poll', ended_at: endedAt, ms_played: item.track.duration_ms, track: toTrackInfo(item.track),
        context_uri: item.context?.uri ?? null });
    }
    const result = await ingest.record(records);
    const cursor = Math.max(newest, Number(parsed.data.cursors?.after ?? 0) || 0);
    if (cursor > (after ?? 0)) await tokens.updateAccount(account, { cursor_after: cursor });
    if (result.inserted.length > 0) log.info({ account, inserted: result.inserted.length, merged: result.merged.length }, 'history polled');
    return { items: records.length, inserted: result.inserted.length, merged: result.merged.length };
  }
  return { pollOnce };
}

export type HistoryPoller = ReturnType<typeof createHistoryPoller>;
