import {z} from 'zod';
import {parseAddress, parsePricePerMillion} from '../chain/units.js';
import {isCocoonError} from '../errors.js';
import type {ProviderFilter} from '../consumer/discovery.js';
import type {ChatMessage} from '../protocol/messages.js';
import type {SamplingParams} from '../protocol/wire.js';
import {OpenAiError} from './openai-error.js';

/** Which endpoint a request came to. */
export type CompletionKind = 'chat' | 'completion';

/** An OpenAI request reduced to what `ask()` takes. */
export interface GatewayRequest {
  kind: CompletionKind;
  /** The model name asked for, as the client wrote it. */
  model: string;
  /** Plain prompt (completions) or chat messages (chat completions). */
  prompt?: string;
  messages?: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  /** stop, top_p and seed, in the protocol's form. */
  params: SamplingParams;
  stream: boolean;
  /** `stream_options.include_usage`: end the stream with a usage chunk. */
  includeUsage: boolean;
  /** Routing: the model plus the optional `cocoon` / `max_price` fields. */
  filter: ProviderFilter;
}

/** Defaults the request is completed with. */
export interface RequestDefaults {
  /** max_tokens when a chat request has none. */
  chatMaxTokens: number;
  /** max_tokens when a completions request has none (OpenAI's default is 16). */
  completionMaxTokens: number;
}

// GRAM per 1M tokens, as a string ("0.5") or a number (0.5), like `--max-price`.
const PriceSchema = z.union([z.string(), z.number().nonnegative()]);
const CocoonSchema = z
  .object({architecture: z.string().min(1).optional(), max_price: PriceSchema.optional(), max_prompt_price: PriceSchema.optional(), provider: z.string().optional()})
  .strict();
const PartSchema = z.object({type: z.string(), text: z.string().optional()}).passthrough();
const MessageSchema = z
  .object({role: z.string(), content: z.union([z.string(), z.array(PartSchema)]).nullish(), tool_calls: z.array(z.unknown()).nullish()})
  .passthrough();
const MaxTokens = z.number().int().min(1).max(1 << 20).nullish();

const CommonSchema = z
  .object({
    model: z.string().min(1),
    max_tokens: MaxTokens,
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    seed: z.number().int().nullish(),
    // OpenAI allows up to 4 stop sequences, as a string or an array.
    stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({include_usage: z.boolean().nullish()}).passthrough().nullish(),
    max_price: PriceSchema.optional(),
    cocoon: CocoonSchema.optional(),
  })
  .passthrough();
const ChatSchema = CommonSchema.extend({messages: z.array(MessageSchema).min(1), max_completion_tokens: MaxTokens});
const CompletionSchema = CommonSchema.extend({prompt: z.union([z.string(), z.array(z.unknown())])});

type Check = [field: string, unsupported: (value: any) => boolean, why: string];
const set = (v: unknown) => v !== undefined && v !== null;
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : set(v) && typeof v === 'object' && Object.keys(v as object).length > 0);

// Fields the network cannot honour yet: refused, never silently dropped.
const COMMON_CHECKS: Check[] = [
  ['n', (v) => set(v) && v !== 1, 'Only n=1 is supported.'],
  ['presence_penalty', (v) => set(v) && v !== 0, 'presence_penalty is not supported.'],
  ['frequency_penalty', (v) => set(v) && v !== 0, 'frequency_penalty is not supported.'],
  ['logit_bias', nonEmpty, 'logit_bias is not supported.'],
];
const CHAT_CHECKS: Check[] = [
  ['tools', nonEmpty, 'Tool calling is not supported.'],
  ['tool_choice', (v) => set(v) && v !== 'none', 'Tool calling is not supported.'],
  ['functions', nonEmpty, 'Function calling is not supported.'],
  ['function_call', (v) => set(v) && v !== 'none', 'Function calling is not supported.'],
  ['response_format', (v) => set(v) && (v as {type?: unknown}).type !== 'text', 'Only response_format {"type": "text"} is supported (no JSON mode or JSON schema).'],
  ['logprobs', (v) => v === true, 'logprobs are not supported.'],
  ['top_logprobs', (v) => set(v) && v !== 0, 'logprobs are not supported.'],
  ['audio', set, 'Audio output is not supported.'],
  ['modalities', (v) => set(v) && !(Array.isArray(v) && v.every((m) => m === 'text')), 'Only the text modality is supported.'],
  ['prediction', set, 'Predicted outputs are not supported.'],
];
const COMPLETION_CHECKS: Check[] = [
  ['logprobs', set, 'logprobs are not supported.'],
  ['echo', (v) => v === true, 'echo is not supported.'],
  ['suffix', (v) => set(v) && v !== '', 'suffix (insertion) is not supported.'],
  ['best_of', (v) => set(v) && v !== 1, 'Only best_of=1 is supported.'],
];

function unsupported(param: string, why: string): OpenAiError {
  return new OpenAiError(400, why, 'invalid_request_error', 'unsupported_parameter', param);
}

function zodError(error: z.ZodError): OpenAiError {
  const issue = error.issues[0]!;
  const param = issue.path.join('.') || null;
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    return new OpenAiError(400, `Missing required parameter: '${param}'.`, 'invalid_request_error', 'missing_required_parameter', param);
  }
  return new OpenAiError(400, `Invalid value for '${param ?? 'body'}': ${issue.message}.`, 'invalid_request_error', 'invalid_value', param);
}

function price(value: string | number | undefined, param: string): bigint | undefined {
  if (value === undefined) return undefined;
  try {
    return parsePricePerMillion(typeof value === 'number' ? value.toFixed(9) : value);
  } catch (error) {
    throw new OpenAiError(400, `Invalid value for '${param}': ${isCocoonError(error) ? error.message : 'not a price'} (GRAM per 1M tokens).`, 'invalid_request_error', 'invalid_value', param);
  }
}

function chatMessages(raw: z.infer<typeof MessageSchema>[]): ChatMessage[] {
  return raw.map((m, i) => {
    if (m.role === 'tool' || m.role === 'function') throw unsupported(`messages.${i}.role`, `Messages with role '${m.role}' need tool calling, which is not supported.`);
    if (nonEmpty(m.tool_calls)) throw unsupported(`messages.${i}.tool_calls`, 'Tool calling is not supported.');
    if (!['system', 'developer', 'user', 'assistant'].includes(m.role)) {
      throw new OpenAiError(400, `Invalid value for 'messages.${i}.role': '${m.role}'.`, 'invalid_request_error', 'invalid_value', `messages.${i}.role`);
    }
    let content = '';
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) {
      content = m.content
        .map((part, j) => {
          if (part.type !== 'text' || typeof part.text !== 'string') throw unsupported(`messages.${i}.content.${j}.type`, `Content parts of type '${part.type}' are not supported: text only.`);
          return part.text;
        })
        .join('');
    }
    // OpenAI's `developer` role is its new name for `system`.
    return {role: m.role === 'developer' ? 'system' : (m.role as ChatMessage['role']), content};
  });
}

/** Validate an OpenAI request body; throws an OpenAiError (400) for anything invalid or not supported. */
export function parseCompletionRequest(kind: CompletionKind, body: unknown, defaults: RequestDefaults): GatewayRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OpenAiError(400, 'The request body must be a JSON object.', 'invalid_request_error', 'invalid_value');
  }
  const parsed = (kind === 'chat' ? ChatSchema : CompletionSchema).safeParse(body);
  if (!parsed.success) throw zodError(parsed.error);
  const raw = body as Record<string, unknown>;
  for (const [field, bad, why] of [...COMMON_CHECKS, ...(kind === 'chat' ? CHAT_CHECKS : COMPLETION_CHECKS)]) {
    if (bad(raw[field])) throw unsupported(field, why);
  }
  const data = parsed.data;
  let prompt: string | undefined;
  let messages: ChatMessage[] | undefined;
  if (kind === 'chat') messages = chatMessages((data as z.infer<typeof ChatSchema>).messages);
  else {
    const p = (data as z.infer<typeof CompletionSchema>).prompt;
    if (Array.isArray(p) && !(p.length === 1 && typeof p[0] === 'string')) throw unsupported('prompt', 'prompt must be one string (batches and token arrays are not supported).');
    prompt = Array.isArray(p) ? (p[0] as string) : p;
  }
  const cocoon = data.cocoon ?? {};
  let provider;
  if (cocoon.provider !== undefined) {
    try {
      provider = parseAddress(cocoon.provider);
    } catch {
      throw new OpenAiError(400, `Invalid value for 'cocoon.provider': not a TON address.`, 'invalid_request_error', 'invalid_value', 'cocoon.provider');
    }
  }
  const maxTokens = (kind === 'chat' ? (data as z.infer<typeof ChatSchema>).max_completion_tokens : undefined) ?? data.max_tokens;
  return {
    kind,
    model: data.model,
    prompt,
    messages,
    maxTokens: maxTokens ?? (kind === 'chat' ? defaults.chatMaxTokens : defaults.completionMaxTokens),
    temperature: data.temperature ?? undefined,
    params: {
      ...(data.top_p == null ? {} : {topP: data.top_p}),
      ...(data.seed == null ? {} : {seed: data.seed}),
      ...(data.stop == null ? {} : {stop: typeof data.stop === 'string' ? [data.stop] : data.stop}),
    },
    stream: data.stream ?? false,
    includeUsage: data.stream_options?.include_usage ?? false,
    filter: {
      model: data.model,
      architecture: cocoon.architecture,
      maxCompletionPrice: price(cocoon.max_price ?? data.max_price, cocoon.max_price === undefined ? 'max_price' : 'cocoon.max_price'),
      maxPromptPrice: price(cocoon.max_prompt_price, 'cocoon.max_prompt_price'),
      provider,
    },
  };
}
