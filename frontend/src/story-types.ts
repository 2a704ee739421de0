import type { Facts } from './components/facts';
import type { PeriodKind } from './period';

/** A highlight of a story and the fact keys it rests on (dotted paths into the facts). */
export interface Highlight { text: string; fact_keys: string[] }

/** One thing in a model's story the facts do not back (the server's grounding check). */
export interface Violation { rule: 'number' | 'name' | 'key'; field: string; text: string; message: string }

/** Why a provider gave no usable story (src/errors.ts StoryFailureReason). */
export type FailureReason = 'auth' | 'quota' | 'unavailable' | 'timeout' | 'network' | 'blocked' | 'malformed' | 'bad_request' | 'config';

/** A stored story as GET /api/v1/stories lists it. Times in ms since the epoch. */
export interface StorySummary {
  id: number; account: string; period: PeriodKind; start: string; end: string; created_at: number;
  status: 'accepted' | 'template' | 'rejected' | 'failed'; source: 'model' | 'template';
  provider: 'none' | 'gemini' | 'openai_compatible'; model: string | null;
  title: string; summary: string; highlights: Highlight[]; persona: { name: string; description: string };
  tokens: { input: number | null; output: number | null; total: number | null } | null; latency_ms: number | null;
  grounding: { ok: boolean; violations: Violation[] };
  error: { reason: FailureReason; message: string; http_status: number | null; retry_after_s: number | null } | null;
}

/** GET /api/v1/stories/{id}: the story with its facts, attempts and the model's rejected story. */
export interface Story extends StorySummary {
  facts: Facts;
  attempts: { n: number; outcome: string }[];
  rejected: { output: { title: string }; grounding: { violations: Violation[] } } | null;
}

/** One entry of GET /api/v1/stories/personas (oldest first). */
export interface PersonaEntry { story_id: number; start: string; end: string; name: string; description: string; source: string; status: string }

/** The socket.io `story` event (bus story.created). */
export interface StoryReady { id: number; account: string; period: PeriodKind; start: string; title: string; status: string }
