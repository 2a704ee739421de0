/** REST calls relative to the page (works under any ingress base path). Errors carry the server's message. */
export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`api/v1/${path}`, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
  return body as T;
}

export const post = <T>(path: string, body: unknown) =>
  api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export interface NowPlaying {
  account: string; active: boolean; is_playing?: boolean; idle_reason: string | null; track_name?: string | null; artists?: string[];
  album_name?: string | null; album_art_url?: string | null; duration_ms?: number | null; progress_ms?: number | null;
  device_name?: string | null; observed_at?: number;
}
export interface Stream {
  id: number; ended_at: number; ms_played: number; kind: 'play' | 'skip' | 'other'; track_name: string; artist_name: string | null;
  image_url: string | null; source: string;
}
export interface Summary { plays: number; listening_ms: number; skips: number; streams: number; distinct_tracks: number; distinct_artists: number }
