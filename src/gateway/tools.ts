/**
 * Tool calling over a grammar (docs/gateway.md, "Tool calling"): the gateway
 * describes the tools to the model in a system message, turns `tools` and
 * `tool_choice` into one JSON Schema the provider enforces, and parses the
 * constrained answer back into OpenAI's `tool_calls`. Nothing on the wire
 * knows about tools: any provider that serves structured output serves them.
 */
import {randomBytes} from 'node:crypto';
import type {JsonSchema} from '../protocol/response-format.js';
import {SCHEMA_LIMITS} from '../protocol/response-format.js';
import {OpenAiError} from './openai-error.js';
import {requestSchema} from './structured.js';

/** One function the model may call. */
export interface ToolFunction {
  name: string;
  description?: string;
  /** Its arguments' schema, checked against the grammar subset and normalised. */
  parameters: JsonSchema;
}

/** What the request asked of tools, reduced to what the gateway does with them. */
export interface ToolPlan {
  /** The functions offered to the model (after tool_choice: a named choice offers that one). */
  functions: ToolFunction[];
  /** `auto`: text or calls; `required`: at least one call. */
  mode: 'auto' | 'required';
  /** At most this many calls in one answer (1 with parallel_tool_calls false). */
  maxCalls: number;
}

/** One call in OpenAI's shape. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: {name: string; arguments: string};
}

/** Calls in one answer when parallel calls are allowed. */
export const MAX_PARALLEL_CALLS = 8;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string, param: string, code = 'invalid_value') => new OpenAiError(400, message, 'invalid_request_error', code, param);

/**
 * `tools`, `tool_choice` and `parallel_tool_calls` → a ToolPlan, or undefined
 * when no tool may be called (no tools, or tool_choice none). Throws 400.
 */
export function parseTools(body: Record<string, unknown>): ToolPlan | undefined {
  const {tools, tool_choice: choice, parallel_tool_calls: parallel} = body;
  if (tools === undefined || tools === null) {
    if (choice !== undefined && choice !== null && choice !== 'none' && choice !== 'auto') throw bad('tool_choice needs tools.', 'tool_choice');
    return undefined;
  }
  if (!Array.isArray(tools)) throw bad('tools must be an array.', 'tools');
  if (tools.length > SCHEMA_LIMITS.members) throw bad(`At most ${SCHEMA_LIMITS.members} tools are supported.`, 'tools');
  const functions = tools.map((tool, i): ToolFunction => {
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) throw bad("Each tool must be {type: 'function', function: {...}}.", `tools.${i}`);
    const f = tool.function;
    if (typeof f.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(f.name)) throw bad("A function name must be 1–64 letters, digits, '_' or '-'.", `tools.${i}.function.name`);
    if (f.description !== undefined && typeof f.description !== 'string') throw bad('description must be a string.', `tools.${i}.function.description`);
    const parameters = f.parameters === undefined ? {type: 'object', properties: {}} : requestSchema(f.parameters, `tools.${i}.function.parameters`);
    return {name: f.name, ...(f.description ? {description: f.description} : {}), parameters};
  });
  const names = new Set<string>();
  for (const [i, f] of functions.entries()) {
    if (names.has(f.name)) throw bad(`Two tools are named '${f.name}'.`, `tools.${i}.function.name`);
    names.add(f.name);
  }
  if (parallel !== undefined && parallel !== null && typeof parallel !== 'boolean') throw bad('parallel_tool_calls must be a boolean.', 'parallel_tool_calls');
  const maxCalls = parallel === false ? 1 : MAX_PARALLEL_CALLS;
  if (choice === undefined || choice === null || choice === 'auto') return functions.length ? {functions, mode: 'auto', maxCalls} : undefined;
  if (choice === 'none') return undefined;
  if (choice === 'required') {
    if (!functions.length) throw bad("tool_choice 'required' needs at least one tool.", 'tool_choice');
    return {functions, mode: 'required', maxCalls};
  }
  if (isObject(choice) && choice.type === 'function' && isObject(choice.function) && typeof choice.function.name === 'string') {
    const named = functions.find((f) => f.name === (choice.function as {name: string}).name);
    if (!named) throw bad(`tool_choice names '${choice.function.name}', which is not in tools.`, 'tool_choice.function.name');
    return {functions: [named], mode: 'required', maxCalls};
  }
  throw bad("tool_choice must be 'none', 'auto', 'required' or {type: 'function', function: {name}}.", 'tool_choice');
}

/** A schema with its `#/$defs/x` references renamed by `rename` (to hoist a function's $defs into the root). */
function renameRefs(schema: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => renameRefs(s, rename));
  if (!isObject(schema)) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => {
      if (k === '$ref' && typeof v === 'string') return [k, `#/$defs/${rename(v.slice('#/$defs/'.length))}`];
      if (k === 'enum' || k === 'const') return [k, v];
      return [k, renameRefs(v, rename)];
    }),
  );
}

/**
 * The JSON Schema the model's answer must satisfy: `{"tool_calls": [{"name",
 * "arguments"}, …]}`, or in auto mode that or `{"content": "…"}`. Each
 * function's $defs move to the root under `<function>__<def>`.
 */
export function toolSchema(plan: ToolPlan): JsonSchema {
  const $defs: Record<string, unknown> = {};
  const calls = plan.functions.map((f) => {
    const {$defs: own, ...parameters} = f.parameters as {$defs?: Record<string, unknown>};
    const rename = (name: string) => `${f.name}__${name}`;
    for (const [name, def] of Object.entries(own ?? {})) $defs[rename(name)] = renameRefs(def, rename);
    return {
      type: 'object',
      properties: {name: {const: f.name}, arguments: renameRefs(parameters, rename)},
      required: ['name', 'arguments'],
      additionalProperties: false,
    };
  });
  const toolCalls = {type: 'object', properties: {tool_calls: {type: 'array', items: calls.length === 1 ? calls[0] : {oneOf: calls}, minItems: 1, maxItems: plan.maxCalls}}, required: ['tool_calls'], additionalProperties: false};
  const root: Record<string, unknown> =
    plan.mode === 'required' ? toolCalls : {oneOf: [{type: 'object', properties: {content: {type: 'string'}}, required: ['content'], additionalProperties: false}, toolCalls]};
  return Object.keys($defs).length ? {...root, $defs} : root;
}

/** The system text that tells the model which functions it has and how to answer. */
export function toolInstructions(plan: ToolPlan): string {
  const list = plan.functions.map((f) => `- ${f.name}${f.description ? `: ${f.description}` : ''}\n  arguments (JSON Schema): ${JSON.stringify(f.parameters)}`).join('\n');
  const call = '{"tool_calls": [{"name": "<function>", "arguments": {…}}]}';
  const how = plan.mode === 'required' ? `Answer only with JSON that calls one or more of them: ${call}.` : `To call functions, answer only with JSON: ${call}. To answer in text instead, answer with {"content": "<your answer>"}.`;
  return `You can call these functions:\n${list}\n${how}`;
}

/** What the model's constrained answer says: calls, or text. */
export type ToolAnswer = {kind: 'calls'; calls: ToolCall[]} | {kind: 'text'; content: string};

/**
 * Parse a constrained answer. Text that does not parse (the answer was cut at
 * max_tokens, or stopped) comes back as text, as is.
 */
export function parseToolAnswer(text: string): ToolAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {kind: 'text', content: text};
  }
  if (isObject(parsed) && Array.isArray(parsed.tool_calls)) {
    const calls = parsed.tool_calls.filter(isObject).map((c) => ({
      id: `call_${randomBytes(12).toString('hex')}`,
      type: 'function' as const,
      function: {name: String(c.name), arguments: JSON.stringify(c.arguments ?? {})},
    }));
    if (calls.length > 0) return {kind: 'calls', calls};
  }
  if (isObject(parsed) && typeof parsed.content === 'string') return {kind: 'text', content: parsed.content};
  return {kind: 'text', content: text};
}
