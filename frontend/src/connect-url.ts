/**
 * Checks the address the browser landed on after Spotify's consent, before anything is sent: the
 * scheme, host, port and path of the registered redirect URI, a `code` and a `state` (and Spotify's
 * `error` when the user declined). Returns a dictionary key for what is wrong, or null when it is fine.
 */
export function checkCallback(pasted: string, redirectUri: string, expectedState: string | null): { problem: string; detail?: string } | null {
  const text = pasted.trim();
  if (text === '') return { problem: 'connect.check.empty' };
  let url: URL; let expected: URL;
  try { url = new URL(text); } catch { return { problem: 'connect.check.not_url' }; }
  try { expected = new URL(redirectUri); } catch { return null; } // the server checks it again
  const error = url.searchParams.get('error');
  if (error) return { problem: 'connect.check.denied', detail: error };
  if (url.protocol !== expected.protocol || url.host !== expected.host || url.pathname.replace(/\/$/, '') !== expected.pathname.replace(/\/$/, '')) {
    return { problem: 'connect.check.wrong_address', detail: `${expected.origin}${expected.pathname}` };
  }
  if (!url.searchParams.get('code')) return { problem: 'connect.check.no_code' };
  const state = url.searchParams.get('state');
  if (!state) return { problem: 'connect.check.no_state' };
  if (expectedState && state !== expectedState) return { problem: 'connect.check.other_attempt' };
  return null;
}
