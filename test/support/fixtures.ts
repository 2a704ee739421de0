import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fixture file parsed as JSON (a fresh copy each call). */
export function fixture<T = any>(relative: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, relative), 'utf8')) as T;
}

export const EXTENDED_DIR = path.join(FIXTURES, 'history', 'extended');
export const ACCOUNT_DIR = path.join(FIXTURES, 'history', 'account');
