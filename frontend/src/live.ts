import { io, type Socket } from 'socket.io-client';

/** One socket.io connection whose path follows the page's base (ingress): <base>/socket.io. */
let socket: Socket | null = null;
export function live(): Socket {
  socket ??= io({ path: new URL('socket.io', document.baseURI).pathname, transports: ['websocket', 'polling'] });
  return socket;
}
