import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { VibescopeError } from '../errors.js';

/** 404 for /api paths nobody handles, as JSON. */
export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` } });
};

/**
 * The one place errors become HTTP: `{error: {code, message}}` with the error's status. Anything that
 * is not a VibescopeError answers 500 INTERNAL with a plain message and is logged with its stack.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof VibescopeError) {
      if (err.status >= 500) log.error({ err, path: req.path }, 'request failed');
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status < 500) {
      res.status(status).json({ error: { code: 'BAD_PARAM', message: String(err.message ?? 'bad request') } });
      return;
    }
    log.error({ err, path: req.path }, 'request failed unexpectedly');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error; see the add-on log' } });
  };
}
