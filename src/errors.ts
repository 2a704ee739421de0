/**
 * Vibescope's error types. Every error carries a `code` (what the panel and the REST clients switch on)
 * and an HTTP `status` (what web/errors.ts answers with). Context travels with the error.
 */

/** Machine-readable error codes, stable across releases. */
export type ErrorCode =
  | 'BAD_PARAM'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CONFIG_INVALID'
  | 'IMPORT_BAD_FILE'
  | 'IMPORT_EMPTY'
  | 'STORE_CORRUPT'
  | 'STORAGE_FULL'
  | 'STORAGE_READ_ONLY'
  | 'STORAGE_FILE_TOO_LARGE'
  | 'STORAGE_FAILED'
  | 'AUDIO_DECODE_FAILED'
  | 'AUDIO_TOOL_MISSING'
  | 'SPOTIFY_AUTH'
  | 'SPOTIFY_RATE_LIMITED'
  | 'SPOTIFY_UNAVAILABLE'
  | 'SPOTIFY_BAD_RESPONSE'
  | 'SPOTIFY_RECONNECT'
  | 'STORY_PROVIDER_FAILED'
  | 'LISTENBRAINZ_AUTH'
  | 'LISTENBRAINZ_RATE_LIMITED'
  | 'LISTENBRAINZ_UNAVAILABLE'
  | 'LISTENBRAINZ_REFUSED'
  | 'METADATA_UNAVAILABLE'
  | 'METADATA_OFFLINE'
  | 'METADATA_BAD_RESPONSE'
  | 'METADATA_AUTH'
  | 'INTERNAL';

/** Base class of every error Vibescope throws on purpose. */
export class VibescopeError extends Error {
  readonly code: ErrorCode;
  /** The HTTP status the REST layer answers with. */
  readonly status: number;
  constructor(code: ErrorCode, message: string, status = 500, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** A request or CLI parameter is out of range or malformed (HTTP 400). */
export class BadParamError extends VibescopeError {
  readonly param: string;
  constructor(param: string, value: unknown, allowed: string) {
    super('BAD_PARAM', `${param}: got ${JSON.stringify(value)}, expected ${allowed}`, 400);
    this.param = param;
  }
}

/** Something asked for does not exist (HTTP 404). */
export class NotFoundError extends VibescopeError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`, 404);
  }
}

/**
 * An import file (or one row of it) cannot be read. `file` is the path (or the path inside the zip),
 * `index` the 0-based row index when the problem is one row.
 */
export class ImportFileError extends VibescopeError {
  readonly file: string;
  readonly index: number | undefined;
  constructor(file: string, message: string, index?: number, options?: ErrorOptions) {
    super('IMPORT_BAD_FILE', `${file}${index === undefined ? '' : ` [row ${index}]`}: ${message}`, 422, options);
    this.file = file;
    this.index = index;
  }
}

/**
 * A Spotify Web API or accounts call failed after retries. Never carries request headers
 * (the bearer token) - only the endpoint, the status and Spotify's own message.
 */
export class SpotifyError extends VibescopeError {
  readonly endpoint: string;
  readonly httpStatus: number | undefined;
  /** Seconds Spotify asked us to wait (429 Retry-After), when it did. */
  readonly retryAfterS: number | undefined;
  constructor(
    code: Extract<ErrorCode, `SPOTIFY_${string}`>,
    endpoint: string,
    message: string,
    extra: { httpStatus?: number; retryAfterS?: number } = {},
  ) {
    super(code, `${endpoint}: ${message}`, code === 'SPOTIFY_RECONNECT' || code === 'SPOTIFY_AUTH' ? 409 : 502);
    this.endpoint = endpoint;
    this.httpStatus = extra.httpStatus;
    this.retryAfterS = extra.retryAfterS;
  }
}

/**
 * Why an AI provider gave no usable story (src/story/): `auth` 401/403 or a refused key, `quota` 429,
 * `unavailable` 5xx, `timeout`, `network` (refused, DNS), `blocked` (a safety filter), `malformed`
 * (not a story as the schema asks), `bad_request` (other 4xx: model name, unsupported option),
 * `config` (an option missing).
 */
export type StoryFailureReason = 'auth' | 'quota' | 'unavailable' | 'timeout' | 'network' | 'blocked' | 'malformed' | 'bad_request' | 'config';

/**
 * An AI provider call failed. `message` is a sentence for a person (cause and fix, no key, no
 * headers); `detail` is the provider's own message for the log. 502: the failure is upstream.
 */
export class StoryProviderError extends VibescopeError {
  readonly reason: StoryFailureReason;
  readonly httpStatus: number | undefined;
  /** How long the provider asked us to wait (429 Retry-After / RetryInfo), ms. */
  readonly retryAfterMs: number | undefined;
  readonly detail: string | undefined;
  constructor(reason: StoryFailureReason, message: string, extra: { httpStatus?: number; retryAfterMs?: number; detail?: string } = {}, options?: ErrorOptions) {
    super('STORY_PROVIDER_FAILED', message, 502, options);
    this.reason = reason;
    this.httpStatus = extra.httpStatus;
    this.retryAfterMs = extra.retryAfterMs;
    this.detail = extra.detail;
  }
}

/**
 * A call to a ListenBrainz-compatible server (scrobbles out, the ListenBrainz live source) failed:
 * the endpoint, the HTTP status, the server's own message, and how long it asked us to wait. Never
 * carries the token.
 */
export class ListenBrainzError extends VibescopeError {
  readonly endpoint: string;
  readonly httpStatus: number | undefined;
  /** ms the server asked us to wait (429 X-RateLimit-Reset-In / Retry-After), when it did. */
  readonly retryAfterMs: number | undefined;
  constructor(code: Extract<ErrorCode, `LISTENBRAINZ_${string}`>, endpoint: string, message: string,
    extra: { httpStatus?: number; retryAfterMs?: number } = {}, options?: ErrorOptions) {
    super(code, `${endpoint}: ${message}`, code === 'LISTENBRAINZ_AUTH' ? 409 : 502, options);
    this.endpoint = endpoint;
    this.httpStatus = extra.httpStatus;
    this.retryAfterMs = extra.retryAfterMs;
  }
}

/**
 * A MusicBrainz, ListenBrainz or Cover Art Archive call failed after its retries (src/metadata/).
 * Carries the service, the endpoint and the HTTP status, never request headers (the ListenBrainz token).
 * METADATA_OFFLINE: the service could not be reached at all (DNS, refused, no route).
 */
export class MetadataError extends VibescopeError {
  readonly service: string;
  readonly endpoint: string;
  readonly httpStatus: number | undefined;
  constructor(code: Extract<ErrorCode, `METADATA_${string}`>, service: string, endpoint: string, message: string, httpStatus?: number) {
    super(code, `${service} ${endpoint}: ${message}`, 502);
    this.service = service;
    this.endpoint = endpoint;
    this.httpStatus = httpStatus;
  }
}

/** Why the data folder refused a write, as a machine-readable code. */
export type StorageErrorCode = Extract<ErrorCode, `STORAGE_${string}`>;

/**
 * The disk refused to store something (ENOSPC, EDQUOT, EROFS, EFBIG, EIO…). `message` is a sentence
 * for a person (cause and fix, no paths); the errno and the operation travel in `errno` and `operation`
 * for the log. HTTP 507 for a full disk, 503 otherwise: the failure is the server's, never the request's.
 */
export class StorageError extends VibescopeError {
  readonly errno: string | undefined;
  /** What was being written: 'journal', 'snapshot', 'import', 'upload', 'tokens'… */
  readonly operation: string;
  constructor(code: StorageErrorCode, message: string, operation: string, errno: string | undefined, options?: ErrorOptions) {
    super(code, message, code === 'STORAGE_FULL' ? 507 : 503, options);
    this.errno = errno;
    this.operation = operation;
  }
}

/** Turns anything thrown into an Error (a thrown string or object becomes the message). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
