/**
 * Challenge queries: ordinary-looking questions with ordinary parameters, a
 * mix of greedy and sampled, plain prompts and chats, so a provider cannot
 * tell an auditor's query from a customer's (docs/threat-model.md §6).
 * Prompts are plain ASCII: some small models abort on characters outside
 * their vocabulary, and real traffic is mostly like this anyway.
 */
import {randomInt} from 'node:crypto';
import type {ChatMessage} from '../protocol/messages.js';
import type {SamplingParams} from '../protocol/wire.js';

/** Everything needed to send a challenge and re-score its answer. */
export interface ChallengeRequest {
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  /** The sampling parameters asked for (the receipt says what ran). */
  params: SamplingParams;
  maxTokens: number;
}

const OPENINGS = [
  'Once upon a time, there was a little girl named Lily.',
  'Tom had a red ball. One day,',
  'The sun was shining and the birds were singing.',
  'Sara and Ben went to the park to play.',
  'There was a big tree in the garden.',
  'A small cat lived in a little house.',
  'One morning, Max woke up and saw snow outside.',
  'The dog found a shiny stone near the river.',
  'Mom made a cake for the party.',
  'Anna wanted to fly like a bird.',
  'The old man had a boat by the sea.',
  'Tim and his dad went to the farm.',
];

const QUESTIONS = [
  'Tell me a short story about a brave little fox.',
  'Write a story about a girl who finds a magic key.',
  'Can you tell me a story about two friends and a kite?',
  'Write a short bedtime story about the moon.',
  'Tell me a story about a boy who loves trains.',
  'Write a happy story about a puppy in the rain.',
];

const SYSTEMS = ['You are a helpful storyteller.', 'Answer with a short story for children.'];

/** A source of random integers in [0, n): node:crypto by default; tests pass a seeded one. */
export type RandomInt = (n: number) => number;

/** Options of makeChallenge. */
export interface ChallengeOptions {
  /** Model name the provider serves. Required. */
  model: string;
  /** Share of greedy challenges, 0–1. Default: 0.5. */
  greedyShare?: number;
  /** Completion lengths drawn from [min, max]. Default: [24, 64]. */
  maxTokens?: [number, number];
  random?: RandomInt;
}

/** One challenge, drawn at random. */
export function makeChallenge(options: ChallengeOptions): ChallengeRequest {
  const random = options.random ?? ((n: number) => randomInt(n));
  const pick = <T>(list: readonly T[]): T => list[random(list.length)]!;
  const [min, max] = options.maxTokens ?? [24, 64];
  const maxTokens = min + random(max - min + 1);
  const greedy = random(1000) < (options.greedyShare ?? 0.5) * 1000;
  const params: SamplingParams = greedy
    ? {temperature: 0}
    : {
        temperature: pick([0.6, 0.7, 0.8, 0.9, 1]),
        ...pick([{}, {topP: 0.9}, {topP: 0.95}]),
        ...pick([{}, {topK: 40}, {topK: 20}]),
        // Half name a seed, half leave it to the provider (it reports the one it chose).
        ...(random(2) === 0 ? {seed: random(2 ** 31)} : {}),
      };
  if (random(2) === 0) return {model: options.model, prompt: pick(OPENINGS), params, maxTokens};
  const question = pick(QUESTIONS);
  const messages: ChatMessage[] = random(2) === 0 ? [{role: 'user', content: question}] : [{role: 'system', content: pick(SYSTEMS)}, {role: 'user', content: question}];
  // A third of chats bound the thought as a gateway client's reasoning_effort would (minimal, low, medium: docs/gateway.md);
  // models that do not think ignore it, and for those that do it audits the provider's budget too.
  if (random(3) === 0) params.thinkBudget = Math.floor(pick([0.1, 0.25, 0.5]) * maxTokens);
  return {model: options.model, messages, params, maxTokens};
}
