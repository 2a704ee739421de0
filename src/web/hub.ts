import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Bus } from '../bus.js';
import { socketGuard } from './security.js';

/**
 * The socket.io hub: pushes now playing, new streams (plays, skips, merges) and import progress to
 * every open panel, and health changes, new stories and the scrobble sender's state. Path /socket.io
 * (ingress strips its prefix before it reaches us).
 */
export function createHub(http: HttpServer, bus: Bus, guard: { addon: boolean; basicDigest: Buffer | null }) {
  // The handshake passes the same guard as REST (ingress peers, basic auth) and must be same-origin.
  const io = new Server(http, { path: '/socket.io', serveClient: false, cors: { origin: false }, allowRequest: socketGuard(guard) });
  const offs = [
    bus.on('nowplaying.changed', 'web.hub', (n) => { io.emit('nowplaying', n); }),
    bus.on('play.recorded', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('skip.detected', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('stream.recorded', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('stream.merged', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('import.progress', 'web.hub', (p) => { io.emit('import', p); }),
    bus.on('health.changed', 'web.hub', (h) => { io.emit('health', h); }),
    bus.on('story.created', 'web.hub', (s) => { io.emit('story', s); }),
    bus.on('scrobble.status', 'web.hub', (s) => { io.emit('scrobble', s); }),
  ];
  return {
    async close(): Promise<void> {
      for (const off of offs) off();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => { io.close(() => resolve()); });
    },
  };
}
