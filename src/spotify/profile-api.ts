import { z } from 'zod';
import { SpotifyError } from '../errors.js';
import type { SpotifyClient } from './http.js';

const meSchema = z.looseObject({ id: z.string(), display_name: z.string().nullish() });

/**
 * The connected user's profile: `GET /me` (https://developer.spotify.com/documentation/web-api/reference/get-current-users-profile).
 * Development-mode apps still get `id` and `display_name` (country, email and product were removed in 2026).
 */
export function createProfileApi(client: SpotifyClient) {
  /**
   * The Spotify user id and display name of an account's token.
   * @throws SpotifyError (see the client) or SPOTIFY_BAD_RESPONSE when the body is not a user object.
   */
  async function me(account: string): Promise<{ spotify_user_id: string; display_name: string | null }> {
    const res = await client.get<unknown>(account, '/me');
    const parsed = meSchema.safeParse(res.data);
    if (!parsed.success) throw new SpotifyError('SPOTIFY_BAD_RESPONSE', 'GET /me', 'not a user object');
    return { spotify_user_id: parsed.data.id, display_name: parsed.data.display_name ?? null };
  }
  return { me };
}
