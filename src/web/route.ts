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
