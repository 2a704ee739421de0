import type { StoryFacts } from '../stats/index.js';
import type { Violation } from './grounding.js';
import type { StoryLanguage } from './numbers.js';
import type { ProviderMessage, ProviderRequest } from './provider.js';
import type { StoryTone } from './schema.js';

const LANGUAGE_NAMES: Record<StoryLanguage, string> = { en: 'English', de: 'German (Deutsch, informal "du")' };

const TONES: Record<StoryTone, string> = {
  friendly: 'warm, playful and encouraging, like a friend who knows music',
  roast: 'a gentle roast: teasing and witty about the listening habits, never mean about the person, never crude',
};

/**
 * The instructions every provider gets. The rules are the grounding check's (grounding.ts): a story
 * that breaks one is sent back once with the list of what broke.
 */
export function systemPrompt(language: StoryLanguage, tone: StoryTone): string {
  return [
    'You write a short story about one person\'s music listening in one period, for their smart home.',
    'The facts JSON in the message is everything you know. Rules, all checked by a program:',
    '1. Use only numbers that appear in the facts (you may round them: 6.48 hours may be 6.5 hours; percentages come only from keys ending in _pct or _pts; hours are listening_minutes divided by 60). Never compute new numbers, never estimate.',
    '2. Name only artists, tracks, albums and genres that appear in the facts. Name no other artist, even as a comparison. Name no genre unless top_genres lists it.',
    '3. Put track and album titles in double quotes. Use quotes for nothing else.',
    '4. Write the title in sentence case (capitalise only the first word and names).',
    '5. Every highlight lists in fact_keys the dotted paths of the facts it uses, e.g. "totals.plays", "top_artists.0", "sessions.longest.minutes"; array items are numbered from 0.',
    '6. title: at most 80 characters. summary: at most 3 sentences. highlights: 3 to 6, one sentence each. persona: a short name for the listener this period (e.g. "The night owl") and one sentence describing it.',
    `Write in ${LANGUAGE_NAMES[language]}. Tone: ${TONES[tone]}.`,
    'Answer with the JSON object only.',
  ].join('\n');
}

/** The first message: the period and the facts, exactly as GET /api/v1/stories/facts shows them. */
export function factsMessage(facts: StoryFacts): string {
  return `The ${facts.period.kind} from ${facts.period.start} to ${facts.period.end} (${facts.period.time_zone}).\nFacts:\n${JSON.stringify(facts)}`;
}

/** The retry's turns: the rejected reply and the faults found in it. */
export function retryMessages(previousReply: string, problems: { violations?: Violation[]; schema?: string[] }): ProviderMessage[] {
  const lines = [
    ...(problems.schema ?? []).map((p) => `- ${p}`),
    ...(problems.violations ?? []).slice(0, 15).map((v) => `- ${v.field}: ${v.message}`),
  ];
  return [
    { role: 'assistant', text: previousReply.slice(0, 8000) },
    { role: 'user', text: `Your story broke these rules:\n${lines.join('\n')}\nWrite the whole story again as JSON, fixing every point and keeping to the facts.` },
  ];
}

/** The request of a first attempt. */
export function firstRequest(facts: StoryFacts, language: StoryLanguage, tone: StoryTone): ProviderRequest {
  return { system: systemPrompt(language, tone), messages: [{ role: 'user', text: factsMessage(facts) }] };
}
