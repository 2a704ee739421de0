import { pino, type Logger, type LevelWithSilent } from 'pino';
import { createRequire } from 'node:module';

export type { Logger } from 'pino';

/**
 * Paths redacted in every log line: tokens, the client secret, Authorization headers, the OAuth
 * `code`/`state`/`code_verifier`, the passwords, the ListenBrainz, scrobble and Last.fm keys and the AI provider's key (ai_api_key, Gemini's
 * x-goog-api-key header). Applies to every child logger. The OAuth `code`
 * is redacted where a request's fields sit (top level, query, form, body) but not as `*.code`, which
 * would also hide every error's errno (`err.code`: ENOSPC, EROFS…) that the log exists to show.
 */
export const REDACT_PATHS = [
  'access_token', 'refresh_token', 'client_secret', 'code', 'state', 'code_verifier', 'password',
  'mqtt_password', 'authorization', 'Authorization', 'ai_api_key', 'apiKey', 'x-goog-api-key', 'scrobble_token', 'listenbrainz_token', 'token',
  '*.scrobble_token', '*.listenbrainz_token', 'config.scrobble_token', 'config.listenbrainz_token',
  'query.code', 'form.code', 'body.code', 'params.code', '*.query.code', '*.form.code', '*.body.code', '*.params.code',
  '*.access_token', '*.refresh_token', '*.client_secret', '*.state', '*.code_verifier',
  '*.password', '*.mqtt_password', '*.authorization', '*.Authorization', '*.ai_api_key', '*.apiKey', '*["x-goog-api-key"]',
  '*.headers.authorization', '*.headers.Authorization', '*.*.headers.authorization', '*.*.headers.Authorization',
  'config.client_secret', 'config.mqtt_password', 'web_password', '*.web_password', 'config.web_password', 'config.ai_api_key',
  '*.headers["x-goog-api-key"]', '*.*.headers["x-goog-api-key"]',
  'lastfm_api_key', 'api_key', '*.lastfm_api_key', '*.api_key', 'config.lastfm_api_key',
];

/**
 * How log lines look: `json` (one JSON object a line, for log collectors; standalone) or `plain`
 * (the add-on's Log tab: `[14:03:07] INFO: mqtt: connected {"broker":"mqtt://core-mosquitto:1883/"}`,
 * the shape bashio's own lines have, research/ha-addon.md §11).
 */
export type LogFormat = 'json' | 'plain';

/** Maps the add-on's log levels (notice, warning) onto pino's. */
export function toPinoLevel(level: string): LevelWithSilent {
  switch (level) {
    case 'notice': return 'info';
    case 'warning': return 'warn';
    case 'trace': case 'debug': case 'info': case 'warn': case 'error': case 'fatal': case 'silent':
      return level;
    default: return 'info';
  }
}

/**
 * `<module>: <message>`; a message that already names its capability (`spotify: poll failed` from
 * module `spotify.auth`) gets the full module instead of the repeated prefix.
 */
function plainMessage(line: Record<string, unknown>, messageKey: string): string {
  const msg = String(line[messageKey] ?? '');
  const module = typeof line.module === 'string' ? line.module : null;
  if (!module) return msg;
  const head = `${module.split('.')[0]}: `;
  return msg.startsWith(head) ? `${module}: ${msg.slice(head.length)}` : `${module}: ${msg}`;
}

/**
 * Creates the one root logger on stdout (or `destination`). Secrets at {@link REDACT_PATHS} print as
 * "[redacted]" in both formats: pino redacts while it serialises, before pino-pretty formats the line.
 * The plain format uses pino-pretty in the same thread (`sync`, no worker thread): time (the
 * container's local time), level, the `module` field, the message, then the other fields as JSON.
 */
export function createLogger(level = 'info', destination?: NodeJS.WritableStream, { format = 'json' }: { format?: LogFormat } = {}): Logger {
  const options = {
    level: toPinoLevel(level),
    base: { app: 'vibescope' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (format === 'plain') {
    // Loaded only for the plain format: a standalone install logging JSON never pays pino-pretty's memory.
    const { build: prettyStream } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    const stream = prettyStream({ colorize: false, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app,module',
      messageFormat: plainMessage, destination: destination ?? 1 });
    return pino(options, stream);
  }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
