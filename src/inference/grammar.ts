/**
 * Grammars for structured output: `format` (json_object or a JSON Schema)
 * compiled once by node-llama-cpp and kept by the schema's hash, so a client
 * repeating one schema (every tool-calling app does) costs one compilation.
 */
import {createHash} from 'node:crypto';
import type {GbnfJsonSchema, Llama, LlamaGrammar, LlamaJsonSchemaGrammar} from 'node-llama-cpp';
import {CocoonError} from '../errors.js';
import {checkJsonSchema, type ResponseFormat} from '../protocol/response-format.js';

/** Options of GrammarCache. */
export interface GrammarCacheOptions {
  /** Compiled grammars kept (least recently used dropped first). Default: 64. */
  size?: number;
  /**
   * Milliseconds of compilation allowed per second (compilation blocks the
   * event loop); past it a schema not in the cache is refused with BUSY until
   * the second has passed. Default: 150.
   */
  compileBudgetMs?: number;
  /** Clock, ms. Default: performance.now. */
  now?: () => number;
}

// json_object: any JSON object, as the JSON-schema grammar spells it (the same generator as for schemas, and no grammar file to read).
const ANY_OBJECT = {type: 'object', additionalProperties: true} as const;

/**
 * Compiles and caches grammars for one Llama. `grammarFor` checks the
 * request's schema synchronously (INVALID_INPUT naming the first problem), so
 * a bad one is refused before it takes a sequence. Compiling is synchronous
 * native work bounded by the schema limits (~80 ms for the largest schema
 * here) and by a per-second budget, so a flood of new schemas cannot hold
 * the event loop: past the budget they get BUSY; cached ones still run.
 */
export class GrammarCache {
  private readonly grammars = new Map<string, LlamaGrammar>();
  private readonly size: number;

  constructor(
    private readonly llama: Llama,
    /** node-llama-cpp's LlamaJsonSchemaGrammar (the module is imported lazily, so it is handed in). */
    private readonly JsonSchemaGrammar: typeof LlamaJsonSchemaGrammar,
    options: GrammarCacheOptions = {},
    /** node-llama-cpp's LlamaGrammar, for GBNF grammars. Default: none (gbnf formats refused). */
    private readonly Grammar?: typeof LlamaGrammar,
  ) {
    this.size = options.size ?? 64;
    this.budgetMs = options.compileBudgetMs ?? 150;
    this.now = options.now ?? (() => performance.now());
  }

  private readonly budgetMs: number;
  private readonly now: () => number;
  /** Compilations of the last second: [end time, ms spent]. */
  private spent: Array<[number, number]> = [];

  /** The grammar for a format, compiled now or taken from the cache. Throws INVALID_INPUT for a schema outside the subset. */
  grammarFor(format: ResponseFormat | {type: 'gbnf'; grammar: string}): LlamaGrammar {
    let schema: object = ANY_OBJECT;
    if (format.type === 'gbnf') return this.gbnf(format.grammar);
    if (format.type === 'json_schema') {
      const checked = checkJsonSchema(format.schema);
      if (!checked.ok) {
        const {path, message} = checked.problem;
        throw new CocoonError('INVALID_INPUT', `Unsupported JSON schema${path ? ` at ${path}` : ''}: ${message}`, {details: {...checked.problem}});
      }
      schema = checked.schema;
    } else if (format.type !== 'json_object') {
      throw new CocoonError('INVALID_INPUT', `Unknown format type ${JSON.stringify((format as {type: unknown}).type)}.`);
    }
    // Key order is part of the grammar (properties come out in schema order), so the JSON text as written is the key.
    const key = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
    const cached = this.grammars.get(key);
    if (cached) {
      this.grammars.delete(key);
      this.grammars.set(key, cached);
      return cached;
    }
    const started = this.now();
    this.spent = this.spent.filter(([end]) => end > started - 1000);
    if (this.spent.reduce((sum, [, ms]) => sum + ms, 0) >= this.budgetMs) {
      throw new CocoonError('BUSY', 'Too many new JSON schemas to compile right now; retry in a second (a schema already used is served from the cache).');
    }
    let grammar: LlamaGrammar;
    try {
      grammar = this.compile(schema as GbnfJsonSchema);
    } catch (error) {
      throw new CocoonError('INVALID_INPUT', `The JSON schema does not compile to a grammar: ${(error as Error).message}`, {cause: error});
    } finally {
      const end = this.now();
      this.spent.push([end, end - started]);
    }
    this.grammars.set(key, grammar);
    if (this.grammars.size > this.size) this.grammars.delete(this.grammars.keys().next().value!);
    return grammar;
  }

  /** Grammars compiled and kept now. */
  get cached(): number {
    return this.grammars.size;
  }

  /** A GBNF grammar as is (local callers only: the protocol carries JSON formats). */
  private gbnf(text: string): LlamaGrammar {
    const key = `gbnf:${createHash('sha256').update(text).digest('hex')}`;
    const cached = this.grammars.get(key);
    if (cached) return cached;
    let grammar: LlamaGrammar;
    try {
      if (!this.Grammar) throw new Error('GBNF grammars are not enabled here');
      grammar = new this.Grammar(this.llama, {grammar: text});
    } catch (error) {
      throw new CocoonError('INVALID_INPUT', `The grammar does not compile: ${(error as Error).message}`, {cause: error});
    }
    this.grammars.set(key, grammar);
    if (this.grammars.size > this.size) this.grammars.delete(this.grammars.keys().next().value!);
    return grammar;
  }

  private compile(schema: GbnfJsonSchema): LlamaGrammar {
    // llama.createGrammarForJsonSchema is this constructor behind an async wrapper; calling it directly keeps the check
    // and the compilation in generate()'s synchronous part (its cost is bounded by the schema limits).
    return new this.JsonSchemaGrammar(this.llama, schema as never);
  }
}
