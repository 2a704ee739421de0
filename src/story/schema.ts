import { z } from 'zod';

/** Story tones (option story_tone): friendly, or a gentle roast (as MusicAnalyser's roast mode). */
export const STORY_TONES = ['friendly', 'roast'] as const;
export type StoryTone = (typeof STORY_TONES)[number];

/** At most this many sentences in a summary. */
export const MAX_SUMMARY_SENTENCES = 3;

/** Sentences of a text, counted with Intl.Segmenter (so "12.5" or "Dr." do not end one). */
export function sentenceCount(text: string, language = 'en'): number {
  let n = 0;
  for (const s of new Intl.Segmenter(language, { granularity: 'sentence' }).segment(text.trim())) if (/\p{L}|\p{N}/u.test(s.segment)) n++;
  return n;
}

/** One highlight: a sentence and the fact keys (dotted paths into the facts, e.g. totals.plays) it rests on. */
export const highlightSchema = z.object({
  text: z.string().trim().min(1).max(300),
  fact_keys: z.array(z.string().trim().min(1).max(100)).min(1).max(8),
});

/**
 * What a provider must return (and what the template produces): title <= 80 characters, summary of
 * at most 3 sentences, 3–6 highlights each citing fact keys, a persona. Validated with zod; a reply
 * that fails is "malformed".
 */
export const storyOutputSchema = z.object({
  title: z.string().trim().min(1).max(80),
  summary: z.string().trim().min(1).max(700).refine((s) => sentenceCount(s) <= MAX_SUMMARY_SENTENCES, `at most ${MAX_SUMMARY_SENTENCES} sentences`),
  highlights: z.array(highlightSchema).min(3).max(6),
  persona: z.object({ name: z.string().trim().min(1).max(60), description: z.string().trim().min(1).max(300) }),
});

/** A story's text. */
export type StoryOutput = z.infer<typeof storyOutputSchema>;

/**
 * The same shape as a JSON Schema for OpenAI-compatible structured output (`response_format:
 * json_schema`, strict: every property required, no additional properties). Lengths are left to zod:
 * strict mode on several servers refuses maxLength / maxItems.
 */
export const STORY_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'summary', 'highlights', 'persona'],
  properties: {
    title: { type: 'string', description: 'At most 80 characters, sentence case.' },
    summary: { type: 'string', description: 'At most 3 sentences.' },
    highlights: {
      type: 'array', description: '3 to 6 highlights.',
      items: {
        type: 'object', additionalProperties: false, required: ['text', 'fact_keys'],
        properties: {
          text: { type: 'string' },
          fact_keys: { type: 'array', items: { type: 'string' }, description: 'Dotted paths into the facts, e.g. top_artists.0.plays' },
        },
      },
    },
    persona: {
      type: 'object', additionalProperties: false, required: ['name', 'description'],
      properties: { name: { type: 'string' }, description: { type: 'string' } },
    },
  },
} as const;

/**
 * The shape as a Gemini `responseSchema` (the OpenAPI subset of
 * https://ai.google.dev/api/caching#Schema: upper-case types, counts as strings).
 */
export const STORY_GEMINI_SCHEMA = {
  type: 'OBJECT',
  required: ['title', 'summary', 'highlights', 'persona'],
  propertyOrdering: ['title', 'summary', 'highlights', 'persona'],
  properties: {
    title: { type: 'STRING', description: 'At most 80 characters, sentence case.' },
    summary: { type: 'STRING', description: 'At most 3 sentences.' },
    highlights: {
      type: 'ARRAY', minItems: '3', maxItems: '6',
      items: {
        type: 'OBJECT', required: ['text', 'fact_keys'], propertyOrdering: ['text', 'fact_keys'],
        properties: { text: { type: 'STRING' }, fact_keys: { type: 'ARRAY', minItems: '1', items: { type: 'STRING' } } },
      },
    },
    persona: {
      type: 'OBJECT', required: ['name', 'description'], propertyOrdering: ['name', 'description'],
      properties: { name: { type: 'STRING' }, description: { type: 'STRING' } },
    },
  },
} as const;

/** Parses a provider's reply text (JSON, optionally inside a ``` fence) into a story, or explains why not. */
export function parseStoryOutput(text: string): { ok: true; output: StoryOutput } | { ok: false; problems: string[] } {
  const body = text.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    return { ok: false, problems: [`the reply is not JSON (${(err as Error).message})`] };
  }
  const checked = storyOutputSchema.safeParse(data);
  if (checked.success) return { ok: true, output: checked.data };
  return { ok: false, problems: checked.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(reply)'}: ${i.message}`) };
}
