/**
 * OpenAI's `response_format` as the protocol's `params.format`: json_object,
 * or json_schema checked against the grammar subset here, so an unsupported
 * schema is an OpenAI-shaped 400 naming the keyword before any money moves.
 */
import {checkJsonSchema, type JsonSchema, type ResponseFormat} from '../protocol/response-format.js';
import {OpenAiError} from './openai-error.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Check a JSON Schema from a request and return it normalised; throws a 400
 * whose `param` is `param` plus the path inside the schema and whose `code` is
 * `unsupported_schema_feature` (valid JSON Schema the grammar cannot enforce)
 * or `invalid_json_schema`.
 */
export function requestSchema(schema: unknown, param: string): JsonSchema {
  const checked = checkJsonSchema(schema);
  if (checked.ok) return checked.schema;
  const {path, message, kind} = checked.problem;
  const at = path === '' ? param : `${param}.${path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')}`;
  throw new OpenAiError(400, `Invalid schema for '${param}'${path ? ` at ${path}` : ''}: ${message}`, 'invalid_request_error', kind === 'unsupported' ? 'unsupported_schema_feature' : 'invalid_json_schema', at);
}

/** `response_format` → the protocol's format, or undefined for text. Throws 400 for anything else. */
export function parseResponseFormat(raw: unknown): ResponseFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  const bad = (message: string, param = 'response_format') => new OpenAiError(400, message, 'invalid_request_error', 'invalid_value', param);
  if (!isObject(raw) || typeof raw.type !== 'string') throw bad("response_format must be an object with a 'type'.");
  switch (raw.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return {type: 'json_object'};
    case 'json_schema': {
      const js = raw.json_schema;
      if (!isObject(js)) throw new OpenAiError(400, "Missing required parameter: 'response_format.json_schema'.", 'invalid_request_error', 'missing_required_parameter', 'response_format.json_schema');
      if (typeof js.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(js.name)) throw bad("response_format.json_schema.name must be 1–64 letters, digits, '_' or '-'.", 'response_format.json_schema.name');
      // No schema: any JSON object, as OpenAI treats it.
      if (js.schema === undefined) return {type: 'json_object'};
      return {type: 'json_schema', schema: requestSchema(js.schema, 'response_format.json_schema.schema')};
    }
    default:
      throw new OpenAiError(400, `Unsupported response_format type '${raw.type}': use text, json_object or json_schema.`, 'invalid_request_error', 'unsupported_parameter', 'response_format.type');
  }
}
