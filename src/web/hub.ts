import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Bus } from '../bus.js';

/**
 * The socket.io hub: pushes now playing, new streams (plays, skips, merges) and import progress to
 * every open panel. Path /socket.io (ingress strips its prefix before it reaches us).
 */
export function createHub(http: HttpServer, bus: Bus) {
  const io = new Server(http, { path: '/socket.io', serveClient: false, cors: { origin: false } });
  const offs = [
    bus.on('nowplaying.changed', 'web.hub', (n) => { io.emit('nowplaying', n); }),
    bus.on('play.recorded', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('skip.detected', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('stream.recorded', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('stream.merged', 'web.hub', (s) => { io.emit('stream', s); }),
    bus.on('import.progress', 'web.hub', (p) => { io.emit('import', p); }),
  ];
  return {
    async close(): Promise<void> {
      for (const off of offs) off();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => { io.close(() => resolve()); });
    },
  };
}
