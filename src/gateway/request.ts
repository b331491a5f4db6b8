import {z} from 'zod';
import {parseAddress, parsePricePerMillion} from '../chain/units.js';
import {isCocoonError} from '../errors.js';
import type {ProviderFilter} from '../consumer/discovery.js';
import type {ChatMessage} from '../protocol/messages.js';
import type {ResponseFormat} from '../protocol/response-format.js';
import type {SamplingParams} from '../protocol/wire.js';
import {OpenAiError} from './openai-error.js';
import {REASONING_EFFORTS, thoughtBudgetFor} from './reasoning.js';
import {parseResponseFormat, requestSchema} from './structured.js';
import {parseTools, toolInstructions, toolSchema, type ToolPlan} from './tools.js';

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
  /** stop, top_p, seed and the output format (response_format, or the tools' grammar), in the protocol's form. */
  params: SamplingParams;
  /** `response_format` json_object / json_schema (absent for text). */
  format?: ResponseFormat;
  /** Tools the model may call (absent: none, or tool_choice none); their grammar is in params.format. */
  tools?: ToolPlan;
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
export const CocoonSchema = z
  .object({architecture: z.string().min(1).optional(), max_price: PriceSchema.optional(), max_prompt_price: PriceSchema.optional(), provider: z.string().optional()})
  .strict();
const PartSchema = z.object({type: z.string(), text: z.string().optional()}).passthrough();
const ToolCallSchema = z.object({id: z.string().min(1).max(256), type: z.literal('function').optional(), function: z.object({name: z.string().min(1).max(64), arguments: z.string()}).passthrough()}).passthrough();
const MessageSchema = z
  .object({role: z.string(), content: z.union([z.string(), z.array(PartSchema)]).nullish(), tool_calls: z.array(ToolCallSchema).nullish(), tool_call_id: z.string().nullish()})
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
    // Cocoon's (and Qwen's API's) exact thought budget in tokens, for reasoning models (docs/gateway.md).
    thinking_budget: z.number().int().min(0).max(1 << 20).nullish(),
  })
  .passthrough();
const ChatSchema = CommonSchema.extend({messages: z.array(MessageSchema).min(1), max_completion_tokens: MaxTokens, reasoning_effort: z.enum(REASONING_EFFORTS).nullish()});
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
  ['functions', nonEmpty, 'The deprecated functions parameter is not supported: use tools.'],
  ['function_call', (v) => set(v) && v !== 'none', 'The deprecated function_call parameter is not supported: use tool_choice.'],
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
  ['reasoning_effort', set, 'reasoning_effort is a chat parameter: use /v1/chat/completions, or thinking_budget (tokens) here.'],
];

export function unsupported(param: string, why: string): OpenAiError {
  return new OpenAiError(400, why, 'invalid_request_error', 'unsupported_parameter', param);
}

export function zodError(error: z.ZodError): OpenAiError {
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

function textOf(content: z.infer<typeof MessageSchema>['content'], i: number): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part, j) => {
      if (part.type !== 'text' || typeof part.text !== 'string') throw unsupported(`messages.${i}.content.${j}.type`, `Content parts of type '${part.type}' are not supported: text only.`);
      return part.text;
    })
    .join('');
}

/** Arguments as the model wrote them (JSON), or the string itself if a client sent something else. */
function argumentsValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * OpenAI messages → the protocol's three roles. An assistant's tool_calls are
 * written as the JSON the tool grammar makes the model write; a tool result
 * becomes a user turn naming the call it answers (docs/gateway.md).
 */
function chatMessages(raw: z.infer<typeof MessageSchema>[]): ChatMessage[] {
  const callNames = new Map<string, string>();
  return raw.map((m, i): ChatMessage => {
    if (m.role === 'function') throw unsupported(`messages.${i}.role`, "Messages with role 'function' (deprecated) are not supported: use role 'tool'.");
    if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || m.tool_call_id === '') {
        throw new OpenAiError(400, `Missing required parameter: 'messages.${i}.tool_call_id'.`, 'invalid_request_error', 'missing_required_parameter', `messages.${i}.tool_call_id`);
      }
      const name = callNames.get(m.tool_call_id);
      return {role: 'user', content: `Result of ${name ? `the function ${name}` : 'a function'} (call ${m.tool_call_id}):\n${textOf(m.content, i)}`};
    }
    if (!['system', 'developer', 'user', 'assistant'].includes(m.role)) {
      throw new OpenAiError(400, `Invalid value for 'messages.${i}.role': '${m.role}'.`, 'invalid_request_error', 'invalid_value', `messages.${i}.role`);
    }
    if (nonEmpty(m.tool_calls)) {
      if (m.role !== 'assistant') throw new OpenAiError(400, `Only assistant messages carry tool_calls.`, 'invalid_request_error', 'invalid_value', `messages.${i}.tool_calls`);
      for (const c of m.tool_calls!) callNames.set(c.id, c.function.name);
      return {role: 'assistant', content: JSON.stringify({tool_calls: m.tool_calls!.map((c) => ({name: c.function.name, arguments: argumentsValue(c.function.arguments)}))})};
    }
    // OpenAI's `developer` role is its new name for `system`.
    return {role: m.role === 'developer' ? 'system' : (m.role as ChatMessage['role']), content: textOf(m.content, i)};
  });
}

/** The messages with the tools' instructions in the system message (merged into the first one: some templates take only one). */
function withInstructions(messages: ChatMessage[], text: string): ChatMessage[] {
  if (messages[0]?.role === 'system') return [{role: 'system', content: `${messages[0].content}\n\n${text}`}, ...messages.slice(1)];
  return [{role: 'system', content: text}, ...messages];
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
  const format = parseResponseFormat(raw.response_format);
  const tools = kind === 'chat' ? parseTools(raw) : undefined;
  if (kind !== 'chat' && raw.tools !== undefined && raw.tools !== null) throw unsupported('tools', 'Tools need /v1/chat/completions.');
  if (tools && format) throw unsupported('response_format', 'response_format json_object or json_schema together with tools is not supported: use one, or tool_choice none.');
  // The tools' grammar is checked as a whole too: many tools together can pass the schema bounds each alone stays under.
  const grammar = tools ? {type: 'json_schema' as const, schema: requestSchema(toolSchema(tools), 'tools')} : format;
  let prompt: string | undefined;
  let messages: ChatMessage[] | undefined;
  if (kind === 'chat') {
    messages = chatMessages((data as z.infer<typeof ChatSchema>).messages);
    if (tools) messages = withInstructions(messages, toolInstructions(tools));
  }
  else {
    const p = (data as z.infer<typeof CompletionSchema>).prompt;
    if (Array.isArray(p) && !(p.length === 1 && typeof p[0] === 'string')) throw unsupported('prompt', 'prompt must be one string (batches and token arrays are not supported).');
    prompt = Array.isArray(p) ? (p[0] as string) : p;
  }
  const maxTokens = (kind === 'chat' ? (data as z.infer<typeof ChatSchema>).max_completion_tokens : undefined) ?? data.max_tokens;
  const limit = maxTokens ?? (kind === 'chat' ? defaults.chatMaxTokens : defaults.completionMaxTokens);
  // An exact thinking_budget wins over reasoning_effort's share of max_tokens; models that do not think ignore both.
  const effort = kind === 'chat' ? (data as z.infer<typeof ChatSchema>).reasoning_effort : undefined;
  const thinkBudget = data.thinking_budget ?? (effort == null ? undefined : thoughtBudgetFor(effort, limit));
  return {
    kind,
    model: data.model,
    prompt,
    messages,
    maxTokens: limit,
    temperature: data.temperature ?? undefined,
    params: {
      ...(data.top_p == null ? {} : {topP: data.top_p}),
      ...(data.seed == null ? {} : {seed: data.seed}),
      ...(data.stop == null ? {} : {stop: typeof data.stop === 'string' ? [data.stop] : data.stop}),
      ...(grammar ? {format: grammar} : {}),
      ...(thinkBudget === undefined ? {} : {thinkBudget}),
    },
    ...(format ? {format} : {}),
    ...(tools ? {tools} : {}),
    stream: data.stream ?? false,
    includeUsage: data.stream_options?.include_usage ?? false,
    filter: routingFilter(data.model, data.cocoon, data.max_price),
  };
}

/** The provider filter of a request: its model plus the optional `cocoon` routing fields and `max_price`. */
export function routingFilter(model: string, cocoon: z.infer<typeof CocoonSchema> = {}, maxPrice?: string | number): ProviderFilter {
  let provider;
  if (cocoon.provider !== undefined) {
    try {
      provider = parseAddress(cocoon.provider);
    } catch {
      throw new OpenAiError(400, `Invalid value for 'cocoon.provider': not a TON address.`, 'invalid_request_error', 'invalid_value', 'cocoon.provider');
    }
  }
  return {
    model,
    architecture: cocoon.architecture,
    maxCompletionPrice: price(cocoon.max_price ?? maxPrice, cocoon.max_price === undefined ? 'max_price' : 'cocoon.max_price'),
    maxPromptPrice: price(cocoon.max_prompt_price, 'cocoon.max_prompt_price'),
    provider,
  };
}
