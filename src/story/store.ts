import { z } from 'zod';
import type { Store } from '../store/index.js';
import type { PeriodKind, StoryFacts } from '../stats/index.js';
import type { StoryFailureReason } from '../errors.js';
import type { GroundingResult } from './grounding.js';
import type { StoryLanguage } from './numbers.js';
import type { AiProvider, TokenUsage } from './provider.js';
import type { StoryOutput, StoryTone } from './schema.js';

/**
 * What became of a story: `accepted` (the model's, grounded), `template` (no model asked: ai_provider
 * none or an empty period), `rejected` (the model's story failed the grounding check twice: the
 * template is shown), `failed` (the provider gave no usable reply: the template is shown).
 */
export type StoryStatus = 'accepted' | 'template' | 'rejected' | 'failed';

/** One call to the provider. */
export interface StoryAttempt {
  n: number;
  started_at: number;
  latency_ms: number;
  tokens: TokenUsage | null;
  outcome: 'accepted' | 'ungrounded' | 'malformed' | 'failed';
  reason?: StoryFailureReason | undefined;
  http_status?: number | undefined;
  /** Grounding or schema faults found in this attempt's reply. */
  problems?: string[] | undefined;
}

/** A stored story (REST: GET /api/v1/stories/{id}). Times in ms since the epoch. */
export interface Story extends StoryOutput {
  id: number;
  account: string;
  period: PeriodKind;
  start: string;
  end: string;
  created_at: number;
  status: StoryStatus;
  /** Whose text is shown: the model's or the template's. */
  source: 'model' | 'template';
  language: StoryLanguage;
  tone: StoryTone;
  provider: AiProvider;
  model: string | null;
  /** Summed over the attempts; null when no model was asked. */
  tokens: TokenUsage | null;
  latency_ms: number | null;
  attempts: StoryAttempt[];
  /** The check of the text shown (the template is checked too). */
  grounding: GroundingResult;
  /** The model's last story when it was rejected, with its check. */
  rejected: { output: StoryOutput; grounding: GroundingResult } | null;
  error: { reason: StoryFailureReason; message: string; http_status: number | null; retry_after_s: number | null } | null;
  facts: StoryFacts;
}

/** A story without its facts and attempts (lists). */
export type StorySummary = Omit<Story, 'facts' | 'attempts' | 'rejected'>;

/** Journal record of a finished story (stories cost money and minutes to regenerate: they survive a crash). */
export const STORY_RECORD = 'story.saved';
const storyRecordSchema = z.object({
  v: z.literal(1),
  t: z.literal(STORY_RECORD),
  story: z.looseObject({
    id: z.int().positive(), account: z.string().min(1), period: z.enum(['week', 'month', 'year']),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), created_at: z.int(),
    status: z.enum(['accepted', 'template', 'rejected', 'failed']), title: z.string(), summary: z.string(),
    highlights: z.array(z.object({ text: z.string(), fact_keys: z.array(z.string()) })),
    persona: z.object({ name: z.string(), description: z.string() }), facts: z.looseObject({ schema: z.string() }),
  }),
});

const MIGRATIONS = [`
  CREATE TABLE stories (
    id INTEGER PRIMARY KEY, account TEXT NOT NULL, period TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL,
    created_at INTEGER NOT NULL, status TEXT NOT NULL, source TEXT NOT NULL, provider TEXT NOT NULL, model TEXT,
    language TEXT NOT NULL, tone TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL,
    persona_name TEXT NOT NULL, persona_description TEXT NOT NULL,
    tokens_input INTEGER, tokens_output INTEGER, tokens_total INTEGER, latency_ms INTEGER,
    highlights TEXT NOT NULL, facts TEXT NOT NULL, detail TEXT NOT NULL,
    UNIQUE (account, period, start_date)
  );
  CREATE INDEX stories_account_start ON stories(account, period, start_date);
`];

const COLUMNS = 'id, account, period, start_date, end_date, created_at, status, source, provider, model, language, tone, title, summary, persona_name, persona_description, tokens_input, tokens_output, tokens_total, latency_ms, highlights';

function upsert(store: Store, s: Story): void {
  // One story per account and period: a forced regeneration replaces the one before.
  store.sql.exec('DELETE FROM stories WHERE account = ? AND period = ? AND start_date = ? AND id <> ?', [s.account, s.period, s.start, s.id]);
  store.sql.exec(`INSERT OR REPLACE INTO stories (${COLUMNS}, facts, detail) VALUES (${COLUMNS.split(',').map(() => '?').join(', ')}, ?, ?)`, [
    s.id, s.account, s.period, s.start, s.end, s.created_at, s.status, s.source, s.provider, s.model, s.language, s.tone, s.title, s.summary,
    s.persona.name, s.persona.description, s.tokens?.input ?? null, s.tokens?.output ?? null, s.tokens?.total ?? null, s.latency_ms,
    JSON.stringify(s.highlights), JSON.stringify(s.facts),
    JSON.stringify({ attempts: s.attempts, grounding: s.grounding, rejected: s.rejected, error: s.error }),
  ]);
}

/**
 * Creates the stories table (store.migrateModule 'story') and registers the journal record that makes a
 * finished story durable. Call before the journal is replayed (openCore's `register`), in every
 * process that opens the data folder for writing: a replay without the handler would set story lines aside.
 */
export function registerStoryRecords(store: Store): void {
  store.migrateModule('story', MIGRATIONS);
  store.registerRecord(STORY_RECORD, { schema: storyRecordSchema, apply: (r) => upsert(store, r.story as unknown as Story) });
}

/** Reads and writes of stored stories. */
export function createStoryStore(store: Store) {
  const { sql } = store;
  const toSummary = (r: Record<string, unknown>): StorySummary & { detail?: string; factsJson?: string } => {
    const detail = JSON.parse(String(r.detail ?? '{}')) as { grounding: GroundingResult; error: Story['error'] };
    return {
      id: r.id as number, account: r.account as string, period: r.period as PeriodKind, start: r.start_date as string, end: r.end_date as string,
      created_at: r.created_at as number, status: r.status as StoryStatus, source: r.source as Story['source'], language: r.language as StoryLanguage,
      tone: r.tone as StoryTone, provider: r.provider as AiProvider, model: (r.model as string | null) ?? null, title: r.title as string,
      summary: r.summary as string, highlights: JSON.parse(r.highlights as string) as Story['highlights'],
      persona: { name: r.persona_name as string, description: r.persona_description as string },
      tokens: r.tokens_total === null && r.tokens_input === null ? null
        : { input: (r.tokens_input as number | null) ?? null, output: (r.tokens_output as number | null) ?? null, total: (r.tokens_total as number | null) ?? null },
      latency_ms: (r.latency_ms as number | null) ?? null, grounding: detail.grounding, error: detail.error ?? null,
    };
  };
  return {
    /** Journals the story (fdatasync), then stores it: a story is visible only once it survives a crash. */
    async save(build: (id: number) => Story): Promise<Story> {
      return store.exclusive(async () => {
        const id = (sql.get<{ id: number | null }>('SELECT max(id) AS id FROM stories')?.id ?? 0) + 1;
        const story = build(id);
        await store.journalAppend([{ v: 1, t: STORY_RECORD, story }]);
        store.transaction(() => upsert(store, story));
        return story;
      });
    },
    /** The story of one account's period, or null. */
    find(account: string, period: PeriodKind, start: string): Story | null {
      const r = sql.get(`SELECT ${COLUMNS}, facts, detail FROM stories WHERE account = ? AND period = ? AND start_date = ?`, [account, period, start]);
      return r ? this.full(r) : null;
    },
    get(id: number): Story | null {
      const r = sql.get(`SELECT ${COLUMNS}, facts, detail FROM stories WHERE id = ?`, [id]);
      return r ? this.full(r) : null;
    },
    full(r: Record<string, unknown>): Story {
      const detail = JSON.parse(String(r.detail)) as Pick<Story, 'attempts' | 'rejected'>;
      return { ...toSummary(r), attempts: detail.attempts ?? [], rejected: detail.rejected ?? null, facts: JSON.parse(String(r.facts)) as StoryFacts };
    },
    /** Stories newest period first. */
    list(filter: { account?: string | undefined; period?: PeriodKind | undefined; limit: number }): StorySummary[] {
      const where: string[] = []; const params: (string | number)[] = [];
      if (filter.account) { where.push('account = ?'); params.push(filter.account); }
      if (filter.period) { where.push('period = ?'); params.push(filter.period); }
      return sql.all(`SELECT ${COLUMNS}, detail FROM stories ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY start_date DESC, period, account LIMIT ?`, [...params, filter.limit]).map(toSummary);
    },
    /** The persona of every stored period, oldest first (the persona timeline). */
    personas(account: string, period: PeriodKind) {
      return sql.all<{ id: number; start_date: string; end_date: string; persona_name: string; persona_description: string; source: string; status: string }>(
        `SELECT id, start_date, end_date, persona_name, persona_description, source, status FROM stories WHERE account = ? AND period = ?
         ORDER BY start_date`, [account, period])
        .map((r) => ({ story_id: r.id, start: r.start_date, end: r.end_date, name: r.persona_name, description: r.persona_description,
          source: r.source, status: r.status }));
    },
    /** Names of the account's library (artists, albums, tracks of two or more words) for the name check. */
    libraryNames(account: string): string[] {
      const id = store.catalog.findAccountId(account);
      if (id === undefined) return [];
      const rows = sql.values(`SELECT DISTINCT ar.name FROM track_stats ts JOIN tracks t ON t.id = ts.track_id JOIN artists ar ON ar.id = t.artist_id
          WHERE ts.account_id = ? AND t.content = 0
        UNION SELECT DISTINCT al.name FROM track_stats ts JOIN tracks t ON t.id = ts.track_id JOIN albums al ON al.id = t.album_id
          WHERE ts.account_id = ? AND t.content = 0
        UNION SELECT DISTINCT t.name FROM track_stats ts JOIN tracks t ON t.id = ts.track_id WHERE ts.account_id = ? AND t.content = 0
          AND t.name LIKE '% %'`, [id, id, id]);
      return rows.map((r) => String(r[0]));
    },
  };
}

export type StoryStore = ReturnType<typeof createStoryStore>;
