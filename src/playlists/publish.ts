import { SpotifyError } from '../errors.js';
import { PLAYLIST_ITEMS_MAX, playlistUrl, type PlaylistsApi } from '../spotify/index.js';

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface PublishInput {
  api: PlaylistsApi;
  account: string;
  uris: string[];
  name: string;
  description: string;
  /** The playlist to update in place (replace mode), or null to create one. */
  target: string | null;
  /** Called once a new playlist exists, before its items are written (the run journals it). */
  onCreated: (ref: { id: string; url: string }) => Promise<void>;
}

/**
 * Writes a finished list to Spotify (2026 rules: `POST /me/playlists`, `PUT|POST /playlists/{id}/items`,
 * `PUT /playlists/{id}`; never the removed `/users/{id}/playlists` or `/playlists/{id}/tracks`).
 *
 * Order, so that a failure half-way leaves the previous playlist intact: the list is complete before
 * anything is sent; the first (or only) batch of up to 100 URIs REPLACES the items with one PUT, which
 * Spotify applies whole or not at all; later batches (lists over 100, which vibe_playlist_size's
 * maximum of 100 rules out) are appended with POST; the name and description change only after the
 * items are in. A playlist that no longer exists (404) is created again.
 * @throws SpotifyError when a write fails (the notes of what was done travel in the message).
 */
export async function publish({ api, account, uris, name, description, target, onCreated }: PublishInput): Promise<{ playlist_id: string; url: string; notes: string[] }> {
  const notes: string[] = [];
  const batches = chunks(uris, PLAYLIST_ITEMS_MAX);
  const [first = [], ...rest] = batches;
  if (target) {
    try {
      await api.replaceItems(account, target, first);
    } catch (err) {
      if (!(err instanceof SpotifyError && err.httpStatus === 404)) throw err;
      notes.push('The previous playlist no longer exists on Spotify; a new one was made.');
      target = null;
    }
  }
  let id: string;
  let url: string;
  if (target) {
    id = target; url = playlistUrl(target);
    for (const batch of rest) await api.addItems(account, id, batch);
    try {
      await api.changeDetails(account, id, { name, description });
    } catch (err) {
      if (!(err instanceof SpotifyError)) throw err;
      notes.push('The tracks were replaced, but the playlist\'s name and description could not be updated this time.');
    }
  } else {
    const ref = await api.createPlaylist(account, { name, description, public: false });
    id = ref.id; url = ref.url;
    await onCreated(ref);
    await api.replaceItems(account, id, first);
    for (const batch of rest) await api.addItems(account, id, batch);
  }
  return { playlist_id: id, url, notes };
}
