/**
 * Structured output on the wire (docs/protocol.md §4.1): `params.format` asks
 * the provider to constrain generation with a grammar, either any JSON object
 * or one JSON Schema from the subset a GBNF grammar can enforce. The subset
 * and its bounds are checked here, by the gateway before it sends a request
 * and by the provider before it compiles one, with the same function.
 */

/** A JSON Schema (the subset checkJsonSchema accepts). */
export type JsonSchema = {readonly [key: string]: unknown};

/** What `params.format` asks for. */
export type ResponseFormat = {type: 'json_object'} | {type: 'json_schema'; schema: JsonSchema};

/** Limits on a schema, so that compiling one stays cheap for the provider (its grammar compiler runs on the event loop). */
export const SCHEMA_LIMITS = {
  /** UTF-8 bytes of the schema's JSON. */
  bytes: 16_384,
  /** Subschemas, counting every nested one. */
  nodes: 512,
  /** Nesting depth. */
  depth: 24,
  /** minItems / maxItems, minLength / maxLength, minProperties / maxProperties: llama.cpp expands counted repetition into rules. */
  repeat: 256,
  /** Values of one enum, properties of one object, members of one oneOf. */
  members: 128,
} as const;

/** Why a schema was refused: the JSON pointer inside it and what is wrong. */
export interface SchemaProblem {
  /** JSON pointer of the offending subschema or keyword, e.g. `/properties/age/minimum`; '' for the root. */
  path: string;
  /** The keyword at fault, if one is. */
  keyword?: string;
  /** Sentence saying what is wrong and what to do. */
  message: string;
  /** `unsupported` for valid JSON Schema the grammar cannot enforce; `invalid` for a malformed schema or one over a bound. */
  kind: 'unsupported' | 'invalid';
}

// Keywords that only annotate: dropped from the grammar's schema, never refused.
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'strict']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const FORMATS = new Set(['date-time', 'date', 'time']);
const KEYWORDS: Record<string, Set<string>> = {
  any: new Set(['type', 'description', '$defs', 'enum', 'const', 'oneOf', 'anyOf', '$ref']),
  number: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']),
  integer: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']),
  string: new Set(['minLength', 'maxLength', 'format']),
  object: new Set(['properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties']),
  array: new Set(['items', 'prefixItems', 'minItems', 'maxItems']),
};

class Refused extends Error {
  constructor(readonly problem: SchemaProblem) {
    super(problem.message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (path: string, key: string | number) => `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
const isLiteral = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Walks one schema, building the normalised copy the grammar is made from. */
class SchemaWalker {
  private nodes = 0;
  private readonly defs = new Set<string>();

  constructor(root: Record<string, unknown>) {
    for (const key of Object.keys(isObject(root.$defs) ? root.$defs : {})) this.defs.add(key);
  }

  private refuse(path: string, message: string, keyword?: string, kind: SchemaProblem['kind'] = 'unsupported'): never {
    throw new Refused({path, message, keyword, kind});
  }

  private count(path: string, key: string, value: unknown): number {
    if (!Number.isInteger(value) || (value as number) < 0) this.refuse(pointer(path, key), `${key} must be a non-negative integer.`, key, 'invalid');
    if ((value as number) > SCHEMA_LIMITS.repeat) this.refuse(pointer(path, key), `${key} above ${SCHEMA_LIMITS.repeat} is not supported (the grammar would grow too large).`, key);
    return value as number;
  }

  /**
   * A numeric bound is accepted only where it bounds nothing the grammar can
   * write (it writes at most 16 digits): ±(2^53 − 1) and beyond, as zod's
   * `.int()` emits. A real bound is refused: a grammar cannot enforce it.
   */
  private bound(path: string, key: string, value: unknown): void {
    if (typeof value !== 'number') this.refuse(pointer(path, key), `${key} must be a number.`, key, 'invalid');
    const lower = key === 'minimum' || key === 'exclusiveMinimum';
    if (lower ? value <= -Number.MAX_SAFE_INTEGER : value >= Number.MAX_SAFE_INTEGER) return;
    this.refuse(pointer(path, key), `The JSON Schema keyword '${key}' is not supported (a grammar cannot bound numbers); check the range after parsing, or use enum.`, key);
  }

  walk(input: unknown, path: string, depth: number): Record<string, unknown> {
    if (input === true || (isObject(input) && Object.keys(input).every((k) => ANNOTATIONS.has(k) || k === 'description'))) {
      // {} or true: any JSON value.
      if (++this.nodes > SCHEMA_LIMITS.nodes) this.refuse(path, `The schema has more than ${SCHEMA_LIMITS.nodes} subschemas.`, undefined, 'invalid');
      return anyValue();
    }
    if (!isObject(input)) this.refuse(path, 'A schema must be a JSON object.', undefined, 'invalid');
    let schema = input;
    if (++this.nodes > SCHEMA_LIMITS.nodes) this.refuse(path, `The schema has more than ${SCHEMA_LIMITS.nodes} subschemas.`, undefined, 'invalid');
    if (depth > SCHEMA_LIMITS.depth) this.refuse(path, `The schema nests deeper than ${SCHEMA_LIMITS.depth} levels.`, undefined, 'invalid');
    if (schema.type === undefined && !['enum', 'const', 'oneOf', 'anyOf', '$ref'].some((k) => k in schema)) {
      // properties or items without a type imply it (JSON Schema applies them to objects or arrays only).
      const implied = Object.keys(schema).some((k) => KEYWORDS.object!.has(k)) ? 'object' : Object.keys(schema).some((k) => KEYWORDS.array!.has(k)) ? 'array' : undefined;
      if (implied) schema = {type: implied, ...schema};
    }
    const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    for (const t of types) if (typeof t !== 'string' || !TYPES.has(t)) this.refuse(pointer(path, 'type'), `Unknown type ${JSON.stringify(t)}.`, 'type', 'invalid');
    const single = types.length === 1 ? (types[0] as string) : undefined;
    const allowed = new Set([...KEYWORDS.any!, ...(single && KEYWORDS[single] ? KEYWORDS[single]! : [])]);
    const out: Record<string, unknown> = {};
    const literal = 'enum' in schema || 'const' in schema;
    for (const [key, value] of Object.entries(schema)) {
      if (ANNOTATIONS.has(key)) continue;
      // {type: 'string', enum: [...]} (as zod writes it): the values say all the type does.
      if (key === 'type' && literal) continue;
      if (KEYWORDS.number!.has(key)) {
        this.bound(path, key, value);
        continue;
      }
      if (!allowed.has(key)) {
        const where = KEYWORDS.string!.has(key) || KEYWORDS.object!.has(key) || KEYWORDS.array!.has(key) ? ` without a single "type" it belongs to` : '';
        this.refuse(pointer(path, key), `The JSON Schema keyword '${key}' is not supported${where}; supported: type, enum, const, oneOf/anyOf, $defs/$ref, properties, required, additionalProperties, items, prefixItems, min/maxItems, min/maxLength, min/maxProperties, format (date-time, date, time).`, key);
      }
      // anyOf is written as oneOf: node-llama-cpp's grammar knows only oneOf, and to a generator both mean "emit one of these".
      out[key === 'anyOf' ? 'oneOf' : key] = this.keyword(key, value, path, depth);
    }
    for (const [min, max] of [['minItems', 'maxItems'], ['minLength', 'maxLength'], ['minProperties', 'maxProperties']] as const) {
      if (typeof out[min] === 'number' && typeof out[max] === 'number' && out[min] > out[max]) this.refuse(pointer(path, min), `${min} is above ${max}: no value fits.`, min, 'invalid');
    }
    // The grammar writes exactly the listed properties (plus additional ones it may choose): a required name must be listed.
    const listed = isObject(out.properties) ? out.properties : {};
    for (const name of Array.isArray(out.required) ? (out.required as string[]) : []) {
      if (!(name in listed)) this.refuse(pointer(path, 'required'), `'${name}' is required but not in properties; list it there.`, 'required');
    }
    if ('format' in out && ('minLength' in out || 'maxLength' in out)) this.refuse(pointer(path, 'format'), 'format together with minLength or maxLength is not supported; use one of them.', 'format');
    if (types.length > 1) {
      if (types.some((t) => t === 'object' || t === 'array')) this.refuse(pointer(path, 'type'), 'A type list may name only string, number, integer, boolean and null; use oneOf for objects and arrays.', 'type');
    }
    const shapes = ['type', 'enum', 'const', 'oneOf', 'anyOf', '$ref'].filter((k) => k in schema && !(k === 'type' && literal));
    if (shapes.length === 0) this.refuse(path, 'Each schema needs one of type, enum, const, oneOf/anyOf or $ref.', undefined, 'invalid');
    if (shapes.length > 1) this.refuse(path, `Combining ${shapes.join(' and ')} in one schema is not supported; use one of them.`, shapes[1]);
    return out;
  }

  private keyword(key: string, value: unknown, path: string, depth: number): unknown {
    const at = pointer(path, key);
    switch (key) {
      case 'type':
      case 'description':
        if (key === 'description' && typeof value !== 'string') this.refuse(at, 'description must be a string.', key, 'invalid');
        return value;
      case 'const':
        if (!isLiteral(value)) this.refuse(at, 'const must be a string, number, boolean or null.', key);
        return value;
      case 'enum':
        if (!Array.isArray(value) || value.length === 0) this.refuse(at, 'enum must be a non-empty array.', key, 'invalid');
        if (value.length > SCHEMA_LIMITS.members) this.refuse(at, `enum has more than ${SCHEMA_LIMITS.members} values.`, key, 'invalid');
        if (!value.every(isLiteral)) this.refuse(at, 'enum values must be strings, numbers, booleans or null.', key);
        return value;
      case 'oneOf':
      case 'anyOf': {
        // The grammar emits one alternative; a value of one of them satisfies anyOf, and oneOf too unless alternatives overlap.
        if (!Array.isArray(value) || value.length === 0) this.refuse(at, `${key} must be a non-empty array.`, key, 'invalid');
        if (value.length > SCHEMA_LIMITS.members) this.refuse(at, `${key} has more than ${SCHEMA_LIMITS.members} members.`, key, 'invalid');
        return value.map((s, i) => this.walk(s, pointer(at, i), depth + 1));
      }
      case '$ref':
        if (typeof value !== 'string' || !value.startsWith('#/$defs/') || !this.defs.has(value.slice('#/$defs/'.length))) {
          this.refuse(at, "Only references to the root's $defs ('#/$defs/name') are supported.", key);
        }
        return value;
      case '$defs':
        if (path !== '') this.refuse(at, '$defs is supported at the root only.', key);
        if (!isObject(value)) this.refuse(at, '$defs must be an object.', key, 'invalid');
        return Object.fromEntries(Object.entries(value).map(([name, s]) => [name, this.walk(s, pointer(at, name), depth + 1)]));
      case 'properties':
        if (!isObject(value)) this.refuse(at, 'properties must be an object.', key, 'invalid');
        if (Object.keys(value).length > SCHEMA_LIMITS.members) this.refuse(at, `More than ${SCHEMA_LIMITS.members} properties.`, key, 'invalid');
        return Object.fromEntries(Object.entries(value).map(([name, s]) => [name, this.walk(s, pointer(at, name), depth + 1)]));
      case 'required':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) this.refuse(at, 'required must be an array of property names.', key, 'invalid');
        return value;
      case 'additionalProperties':
        return typeof value === 'boolean' ? value : this.walk(value, at, depth + 1);
      case 'items':
        if (Array.isArray(value)) this.refuse(at, 'items as an array (draft 4 tuples) is not supported; use prefixItems.', key);
        return this.walk(value, at, depth + 1);
      case 'prefixItems':
        if (!Array.isArray(value)) this.refuse(at, 'prefixItems must be an array.', key, 'invalid');
        if (value.length > SCHEMA_LIMITS.members) this.refuse(at, `prefixItems has more than ${SCHEMA_LIMITS.members} members.`, key, 'invalid');
        return value.map((s, i) => this.walk(s, pointer(at, i), depth + 1));
      case 'format':
        if (typeof value !== 'string' || !FORMATS.has(value)) this.refuse(at, `format ${JSON.stringify(value)} is not supported; supported: date-time, date, time.`, key);
        return value;
      default:
        return this.count(path, key, value);
    }
  }
}

/** Any JSON value, in the subset's own terms. */
function anyValue(): Record<string, unknown> {
  return {oneOf: [{type: ['string', 'number', 'boolean', 'null']}, {type: 'object', additionalProperties: true}, {type: 'array'}]};
}

/**
 * Check a JSON Schema against the subset a grammar enforces and the size
 * bounds, and return the normalised schema the grammar is made from
 * (annotations dropped, anyOf written as oneOf, `{}` spelled out as any value), or the
 * first problem. Never throws.
 */
export function checkJsonSchema(schema: unknown): {ok: true; schema: JsonSchema} | {ok: false; problem: SchemaProblem} {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(schema) ?? '', 'utf8');
  } catch {
    return {ok: false, problem: {path: '', message: 'The schema is not JSON.', kind: 'invalid'}};
  }
  if (bytes > SCHEMA_LIMITS.bytes) return {ok: false, problem: {path: '', message: `The schema is ${bytes} bytes of JSON; at most ${SCHEMA_LIMITS.bytes} are accepted.`, kind: 'invalid'}};
  if (!isObject(schema)) return {ok: false, problem: {path: '', message: 'A schema must be a JSON object.', kind: 'invalid'}};
  try {
    return {ok: true, schema: new SchemaWalker(schema).walk(schema, '', 0)};
  } catch (error) {
    if (error instanceof Refused) return {ok: false, problem: error.problem};
    throw error;
  }
}
