import { io, type Socket } from 'socket.io-client';

/** One socket.io connection whose path follows the page's base (ingress): <base>/socket.io. */
let socket: Socket | null = null;
export function live(): Socket {
  socket ??= io({ path: new URL('socket.io', document.baseURI).pathname, transports: ['websocket', 'polling'] });
  return socket;
}

/**
 * Follows state the server pushes as `event` on every change: asks `load` once and again on every
 * (re)connect (pushes sent while disconnected are lost), and drops an answer when a push came after
 * its request (the answer may arrive later, so it can only be older) or a newer request was made.
 * `onPush` returns false for a push that is not this state's (another account's). `onError` gets the
 * failure of the newest request, and null once one succeeds. Returns the unsubscribe.
 */
export function followLive<T, P>(event: string, load: (signal: AbortSignal) => Promise<T>,
  { onLoad, onPush, onError }: { onLoad: (value: T) => void; onPush: (push: P) => boolean; onError: (err: unknown) => void }): () => void {
  const ctl = new AbortController();
  let pushes = 0; let loads = 0;
  const ask = () => {
    const at = pushes; const mine = ++loads;
    load(ctl.signal).then((value) => {
      if (mine !== loads) return;
      onError(null);
      if (pushes === at) onLoad(value);
    }, (err: unknown) => { if (!ctl.signal.aborted && mine === loads) onError(err); });
  };
  const pushed = (p: P) => { if (onPush(p)) pushes++; };
  ask();
  const s = live();
  s.on(event, pushed); s.on('connect', ask);
  return () => { ctl.abort(); s.off(event, pushed); s.off('connect', ask); };
}
