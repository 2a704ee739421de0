import type { Database, SqlValue, Statement, BindParams } from 'sql.js';

/** Items per `IN (…)` list of {@link inFixedChunks}, at most. */
export const IN_LIST_MAX = 100;
const IN_LIST_SIZES = [1, 10, IN_LIST_MAX];

/** `?, ?, …`: n placeholders for an `IN (…)` list or a VALUES row. */
export const placeholders = (n: number): string => Array(n).fill('?').join(', ');

/**
 * Cuts `items` into chunks of at most {@link IN_LIST_MAX}, each padded to the smallest of 1, 10 or
 * {@link IN_LIST_MAX} by repeating its first item, and calls `fn` with the chunk and that size. Statements
 * over the chunks (`IN (…)`, `INSERT OR IGNORE … VALUES`) then come in three lengths only, so few are
 * prepared and kept; a repeated item must change nothing in them.
 */
export function inFixedChunks<T>(items: readonly T[], fn: (chunk: T[], size: number) => void): void {
  for (let i = 0; i < items.length; i += IN_LIST_MAX) {
    const chunk = items.slice(i, i + IN_LIST_MAX);
    const size = IN_LIST_SIZES.find((n) => n >= chunk.length)!;
    while (chunk.length < size) chunk.push(chunk[0]!);
    fn(chunk, size);
  }
}

/** A row as sql.js returns it with getAsObject. */
export type Row = Record<string, SqlValue>;

/**
 * Thin helpers over one sql.js Database: statements prepared once and reused (sql.js >= 1.15 keeps
 * them across export()), rows as objects.
 */
export function createSql(db: Database) {
  const statements = new Map<string, Statement>();
  function prepared(sql: string): Statement {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  }
  /** Every row of a query, as objects. */
  function all<T = Row>(sql: string, params: BindParams = []): T[] {
    const stmt = prepared(sql);
    try {
      stmt.bind(params);
      const rows: T[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject() as T);
      return rows;
    } finally {
      stmt.reset();
    }
  }
  /** Every row of a query, as arrays (cheaper for large results). */
  function values(sql: string, params: BindParams = []): SqlValue[][] {
    const stmt = prepared(sql);
    try {
      stmt.bind(params);
      const rows: SqlValue[][] = [];
      while (stmt.step()) rows.push(stmt.get());
      return rows;
    } finally {
      stmt.reset();
    }
  }
  /** Steps through a query's rows, as arrays, until `fn` returns false (the rows after it are never read). */
  function each(sql: string, params: BindParams, fn: (row: SqlValue[]) => boolean): void {
    const stmt = prepared(sql);
    try {
      stmt.bind(params);
      while (stmt.step()) if (!fn(stmt.get())) break;
    } finally {
      stmt.reset();
    }
  }
  /** The first row, or undefined. */
  function get<T = Row>(sql: string, params: BindParams = []): T | undefined {
    const stmt = prepared(sql);
    try {
      stmt.bind(params);
      return stmt.step() ? (stmt.getAsObject() as T) : undefined;
    } finally {
      stmt.reset();
    }
  }
  /** Runs a write; returns the number of rows changed. Use `INSERT … RETURNING id` with `get` for ids. */
  function exec(sql: string, params: BindParams = []): number {
    const stmt = prepared(sql);
    try {
      stmt.run(params);
    } finally {
      stmt.reset();
    }
    return db.getRowsModified();
  }
  function freeAll(): void {
    for (const stmt of statements.values()) stmt.free();
    statements.clear();
  }
  return { all, values, each, get, exec, freeAll };
}

export type Sql = ReturnType<typeof createSql>;
