import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

/**
 * A small stand-in for Home Assistant's ingress: serves the app under /api/hassio_ingress/<token>/,
 * strips that prefix, sets X-Ingress-Path, and proxies websocket upgrades (socket.io). `delay(path)`
 * holds a request that many ms before passing it on (a slow answer, for stale-response tests);
 * `delayedSettled()` resolves once every held request was answered or given up by the browser.
 */
export async function startIngressProxy(targetPort: number, token = 'Xk3_test-token', options: { delay?: (path: string) => number } = {}) {
  const held: Promise<void>[] = [];
  const prefix = `/api/hassio_ingress/${token}`;
  const strip = (url: string) => (url.startsWith(prefix) ? url.slice(prefix.length) || '/' : null);
  const server = http.createServer((req, res) => {
    const path = strip(req.url ?? '/');
    if (path === null) { res.writeHead(404).end('not under ingress'); return; }
    const wait = options.delay?.(path) ?? 0;
    if (wait > 0) {
      held.push(new Promise<void>((resolve) => { res.on('close', () => resolve()); }));
      req.pause();
      setTimeout(() => { if (res.destroyed) return; req.resume(); forward(req, res, path); }, wait);
      return;
    }
    forward(req, res, path);
  });
  function forward(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, path, method: req.method,
      headers: { ...req.headers, 'x-ingress-path': prefix, host: `127.0.0.1:${targetPort}` } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(upstream);
  }
  // Upgraded sockets (socket.io's websocket) are no longer the HTTP server's: close() would wait for them forever.
  const upgraded = new Set<net.Socket>();
  server.on('upgrade', (req, socket, head) => {
    const path = strip(req.url ?? '/');
    if (path === null) { socket.destroy(); return; }
    const upstream = net.connect(targetPort, '127.0.0.1', () => {
      const headers = Object.entries({ ...req.headers, 'x-ingress-path': prefix }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      upstream.write(`${req.method} ${path} HTTP/1.1\r\n${headers}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    for (const s of [socket as net.Socket, upstream]) { upgraded.add(s); s.once('close', () => upgraded.delete(s)); }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}/`,
    /** Resolves when every delayed request has been answered (or the browser gave up on it). */
    delayedSettled: () => Promise.all(held).then(() => held.length),
    async close() {
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
