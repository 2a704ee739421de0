import type { Request, Response, NextFunction } from 'express';
import { BadParamError } from '../errors.js';
import { stringParam } from './params.js';

type Handler = (req: Request, res: Response) => unknown;

/** Wraps a handler so a thrown error or rejected promise reaches the error handler; a returned value is sent as JSON. */
export const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  Promise.resolve().then(() => fn(req, res)).then((body) => { if (body !== undefined && !res.headersSent) res.json(body); }).catch(next);
};

/**
 * The `account` of a request (query, else JSON body), defaulting to the first configured account.
 * @throws BadParamError when it is not a configured account.
 */
export function accountOf(req: Request, accounts: readonly string[]): string {
  const account = stringParam(req, 'account') ?? (typeof req.body?.account === 'string' ? req.body.account : undefined) ?? accounts[0]!;
  if (!accounts.includes(account)) throw new BadParamError('account', account, `one of ${accounts.join(', ')}`);
  return account;
}

/**
 * Takes turns for synchronous heavy work (statistics over the sql.js store): one job at a time, and
 * between two jobs the event loop goes round once (setImmediate), so requests that arrived meanwhile
 * — /health, now playing, a poll's journal write — are served between two heavy queries instead of
 * waiting for a whole queue of them.
 */
export function createTurns() {
  const waiting: (() => void)[] = [];
  let busy = false;
  function next(): void {
    const go = waiting.shift();
    if (!go) { busy = false; return; }
    busy = true;
    go();
  }
  /** Runs `fn` in its turn; resolves to its result. */
  return function inTurn<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      waiting.push(() => {
        try { resolve(fn()); } catch (err) { reject(err); } finally { setImmediate(next); }
      });
      if (!busy) next();
    });
  };
}

/** Shared turns of every heavy route (statistics of every capability). */
const heavyTurns = createTurns();

/** {@link route} for a handler that runs heavy synchronous queries: it waits for its turn (see {@link createTurns}). */
export const heavyRoute = (fn: Handler) => route((req, res) => heavyTurns(() => fn(req, res)));
