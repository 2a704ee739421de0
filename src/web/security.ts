import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, Response, NextFunction, RequestHandler } from 'express';

/** The Supervisor's ingress proxy address (https://developers.home-assistant.io/docs/add-ons/presentation#ingress). */
export const INGRESS_PROXY_IP = '172.30.32.2';

const peerOf = (req: IncomingMessage) => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
const isLoopback = (ip: string) => ip === '127.0.0.1' || ip === '::1';

/** True when an add-on may answer this peer: the ingress proxy or loopback (ARCHITECTURE.md "Web rules"). */
export function ingressPeerAllowed(req: IncomingMessage): boolean {
  const ip = peerOf(req);
  return ip === INGRESS_PROXY_IP || isLoopback(ip);
}

/** Only the ingress proxy and loopback may talk to an add-on. */
export function ingressGuard(req: Request, res: Response, next: NextFunction): void {
  if (ingressPeerAllowed(req)) { next(); return; }
  res.status(403).json({ error: { code: 'FORBIDDEN', message: 'Only Home Assistant (ingress) may open Vibescope.' } });
}

/**
 * The host the browser addressed: `X-Forwarded-Host` when the ingress proxy set it (the only peer
 * trusted to), else `Host`.
 */
function requestHost(req: IncomingMessage): string | undefined {
  const forwarded = req.headers['x-forwarded-host'];
  if (typeof forwarded === 'string' && peerOf(req) === INGRESS_PROXY_IP) return forwarded.split(',')[0]!.trim().toLowerCase();
  return req.headers.host?.toLowerCase();
}

/**
 * Whether a browser request comes from the panel itself rather than from another site
 * (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Sec-Fetch-Site; OWASP CSRF cheat sheet,
 * "Verifying Origin With Standard Headers"):
 * - `Sec-Fetch-Site` (sent by every current browser): only `same-origin` or `none` (typed by the user);
 * - else `Origin`, when present, must name the host the request was addressed to;
 * - a request with neither header is not from a browser page (curl, the CLI): allowed.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return true;
  if (origin === 'null') return false;
  try {
    return new URL(origin).host.toLowerCase() === requestHost(req);
  } catch {
    return false; // an Origin that is not a URL is not ours
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses state-changing requests (uploads, scans, connect, sync…) that another site made the browser send. */
export const crossSiteGuard: RequestHandler = (req, res, next) => {
  if (SAFE_METHODS.has(req.method) || sameOrigin(req)) { next(); return; }
  res.status(403).json({ error: { code: 'FORBIDDEN', message: 'This request came from another web site and was refused. Use the Vibescope panel itself.' } });
};

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * HTTP basic auth (RFC 7617) for standalone installs with web_username / web_password set. The
 * comparison runs in constant time. The health endpoint stays open to loopback (container HEALTHCHECK).
 */
export function basicAuth(username: string, password: string): RequestHandler {
  const expected = digest(`${username}:${password}`);
  return (req, res, next) => {
    if (req.path === '/api/v1/health' && isLoopback(peerOf(req))) { next(); return; }
    if (basicAuthOk(req, expected)) { next(); return; }
    res.set('WWW-Authenticate', 'Basic realm="Vibescope", charset="UTF-8"');
    res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'Sign in with the web_username and web_password set in Vibescope\'s options.' } });
  };
}

/** Checks a request's basic credentials against a digest of `user:password`. */
export function basicAuthOk(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Basic ')) return false;
  const given = digest(Buffer.from(header.slice(6), 'base64').toString('utf8'));
  return timingSafeEqual(given, expected);
}

/**
 * Security headers for the panel and the API (OWASP secure headers): a Content-Security-Policy with
 * no inline script (scripts, styles, images, sockets from this origin only; images also as data: and
 * blob:), nosniff, a Referrer-Policy, and frame-ancestors 'self' so only Home Assistant's own page
 * (ingress serves us under HA's origin) may frame the panel.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  next();
};

/**
 * socket.io's allowRequest: the same rules as REST (ingress peers only in add-on mode, basic auth
 * when set) plus the same-origin check, so another site open in the browser cannot read live events.
 */
export function socketGuard(options: { addon: boolean; basicDigest: Buffer | null }) {
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    if (options.addon && !ingressPeerAllowed(req)) { callback('forbidden', false); return; }
    if (options.basicDigest && !basicAuthOk(req, options.basicDigest)) { callback('unauthorized', false); return; }
    if (!sameOrigin(req)) { callback('cross-site', false); return; }
    callback(null, true);
  };
}

/** The digest {@link basicAuthOk} compares against. */
export function basicDigest(username: string, password: string): Buffer {
  return digest(`${username}:${password}`);
}
