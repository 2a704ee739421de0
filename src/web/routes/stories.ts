import { Router, type Request } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { PERIOD_KINDS, type PeriodKind } from '../../stats/index.js';
import type { Stories } from '../../story/index.js';
import { enumParam, intParam, stringParam } from '../params.js';
import { accountOf, route } from '../route.js';
import type { WebDeps } from '../index.js';

/** A value of the JSON body, else of the query. */
function bodyOrQuery(req: Request, name: string): unknown {
  const fromBody = (req.body as Record<string, unknown> | undefined)?.[name];
  return fromBody !== undefined ? fromBody : req.query[name];
}

function periodOf(req: Request): PeriodKind {
  const value = bodyOrQuery(req, 'period') ?? 'week';
  if (typeof value !== 'string' || !(PERIOD_KINDS as readonly string[]).includes(value)) throw new BadParamError('period', value, 'week, month or year');
  return value as PeriodKind;
}

function startOf(req: Request): string | undefined {
  const value = bodyOrQuery(req, 'start');
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new BadParamError('start', value, 'a date such as 2024-08-05');
  return value;
}

function flag(req: Request, name: string): boolean {
  const value = bodyOrQuery(req, name);
  if (value === undefined) return false;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new BadParamError(name, value, 'true or false');
}

/**
 * Stories (issue 14): GET /stories/facts (exactly what a provider would be sent), GET /stories,
 * GET /stories/personas, GET /stories/{id}, POST /stories (create; idempotent per period unless
 * `force`; `wait` answers with the story, else 202 while it is written).
 */
export function storyRoutes({ stories, accounts, log }: WebDeps): Router {
  const api = Router();
  const need = (): Stories => {
    if (!stories) throw new NotFoundError('stories (not enabled in this process)');
    return stories;
  };
  api.get('/stories/facts', route((req) => {
    const account = accountOf(req, accounts);
    return { account, ...need().preview({ account, period: periodOf(req), start: startOf(req) }) };
  }));
  api.get('/stories/personas', route((req) => {
    const account = accountOf(req, accounts);
    const period = periodOf(req);
    return { account, period, personas: need().personas(account, period) };
  }));
  api.get('/stories', route((req) => {
    const account = stringParam(req, 'account');
    if (account !== undefined && !accounts.includes(account)) throw new BadParamError('account', account, `one of ${accounts.join(', ')}`);
    const period = req.query.period === undefined ? undefined : enumParam(req, 'period', PERIOD_KINDS, 'week');
    return { stories: need().list({ account, period, limit: intParam(req, 'limit', 50, 1, 500) }) };
  }));
  api.get('/stories/:id', route((req) => {
    const id = /^\d{1,12}$/.test(String(req.params.id)) ? Number(req.params.id) : null;
    const story = id === null ? null : need().get(id);
    if (!story) throw new NotFoundError(`story ${String(req.params.id)}`);
    return story;
  }));
  api.post('/stories', route(async (req, res) => {
    const s = need();
    const request = { account: accountOf(req, accounts), period: periodOf(req), start: startOf(req), force: flag(req, 'force') };
    const job = s.generate(request);
    if (flag(req, 'wait')) {
      const { story, created } = await job;
      res.status(created ? 201 : 200);
      return { story, created };
    }
    // Not waiting: an existing story answers at once, a new one is being written (bus story.created, socket.io "story").
    const settled = await Promise.race([job, new Promise<null>((r) => setImmediate(() => r(null)))]);
    if (settled) { res.status(settled.created ? 201 : 200); return settled; }
    job.catch((err: Error) => log.error({ err, account: request.account, period: request.period }, 'story: could not be stored'));
    res.status(202);
    return { state: 'generating', account: request.account, period: request.period, start: request.start ?? null };
  }));
  return api;
}
