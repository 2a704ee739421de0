import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths redacted in every log line: tokens, the client secret, Authorization headers, the OAuth
 * `code`/`state`/`code_verifier`, the MQTT password and the Last.fm API key. Applies to every child logger.
 */
export const REDACT_PATHS = [
  'access_token', 'refresh_token', 'client_secret', 'code', 'state', 'code_verifier', 'password',
  'mqtt_password', 'authorization', 'Authorization',
  '*.access_token', '*.refresh_token', '*.client_secret', '*.code', '*.state', '*.code_verifier',
  '*.password', '*.mqtt_password', '*.authorization', '*.Authorization',
  '*.headers.authorization', '*.headers.Authorization', '*.*.headers.authorization', '*.*.headers.Authorization',
  'config.client_secret', 'config.mqtt_password',
  'lastfm_api_key', 'api_key', '*.lastfm_api_key', '*.api_key', 'config.lastfm_api_key',
];

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
 * Creates the one root logger (JSON lines on stdout, or `destination`). Secrets at {@link REDACT_PATHS}
 * print as "[redacted]".
 */
export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = {
    level: toPinoLevel(level),
    base: { app: 'vibescope' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
