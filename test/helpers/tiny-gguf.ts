/**
 * Writes a tiny, valid GGUF (v3) llama model so the engine tests run on any
 * machine, with or without the shared test models. Weights come from a seeded
 * PRNG, so every file written with the same options is byte-identical.
 *
 * The tokenizer is llama/SentencePiece style: <unk>, <s>, </s>, the 256 byte
 * fallback tokens <0x00>..<0xFF>, then a few word pieces ("▁" marks a leading
 * space). Output rows of control, non-printable byte and end-of-sequence tokens
 * are zero, so greedy decoding emits printable text and never stops early.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Options for writeTinyGguf. */
export interface TinyGgufOptions {
  /** Where to write. Default: a fresh file in the OS temp directory. */
  file?: string;
  /** PRNG seed for the weights. Default: 42. */
  seed?: number;
  /** Transformer blocks. Default: 2. */
  blocks?: number;
  /** Embed a chat template (`tokenizer.chat_template`): true for a simple one (TINY_CHAT_TEMPLATE), or the template's text. Default: none. */
  chatTemplate?: boolean | string;
  /**
   * A model that thinks without ever ending its thought (for the thought
   * budget, docs/protocol.md §4.2): `<think>` and `</think>` become tokens of
   * their own (user-defined, as in Qwen3), `\n\n` a piece, and one embedding
   * dimension carries only the newline byte token, read only by `<think>`'s
   * output row: so after a prompt that ends with a newline (ChatML's
   * `<|im_start|>assistant\n`) the greedy first token is `<think>`, and
   * `</think>` is never chosen. Default: false (the file is as before).
   */
  thinking?: boolean;
}

const WORDS = [
  'the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'sun', 'sky', 'was', 'big', 'red', 'happy', 'little',
  'girl', 'boy', 'park', 'ball', 'tree', 'and', 'he', 'she', 'it', 'saw', 'play', 'time', 'once', 'upon', 'day',
];
const PIECES = [...WORDS.map((w) => '▁' + w), ...'abcdefghijklmnopqrstuvwxyz'.split(''), '▁', '.', ',', '!'];

/** A simple template in plain words, so any chat wrapper renders it as text. */
export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}" +
  '{% if add_generation_prompt %}assistant:{% endif %}';

// GGUF value types
const T_U32 = 4;
const T_I32 = 5;
const T_F32 = 6;
const T_STRING = 8;
const T_ARRAY = 9;

class Writer {
  private chunks: Buffer[] = [];
  size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(align: number): void {
    const rem = this.size % align;
    if (rem) this.push(Buffer.alloc(align - rem));
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Kv = [string, 'u32' | 'f32' | 'str', number | string] | [string, 'arr', 'str' | 'f32' | 'i32', (string | number)[]];

function writeKv(w: Writer, kv: Kv): void {
  w.str(kv[0]);
  if (kv[1] === 'u32') (w.u32(T_U32), w.u32(kv[2] as number));
  else if (kv[1] === 'f32') (w.u32(T_F32), w.f32(kv[2] as number));
  else if (kv[1] === 'str') (w.u32(T_STRING), w.str(kv[2] as string));
  else {
    const type = kv[2] as 'str' | 'f32' | 'i32';
    const values = kv[3] as (string | number)[];
    w.u32(T_ARRAY);
    w.u32(type === 'str' ? T_STRING : type === 'f32' ? T_F32 : T_I32);
    w.u64(values.length);
    for (const v of values) {
      if (type === 'str') w.str(v as string);
      else if (type === 'f32') w.f32(v as number);
      else w.i32(v as number);
    }
  }
}

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The vocabulary of the tiny model, in id order. */
export function tinyVocabulary(thinking = false): {tokens: string[]; types: number[]; scores: number[]} {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  for (let i = 0; i < 256; i++) {
    tokens.push(`<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  for (const p of PIECES) {
    tokens.push(p);
    types.push(1);
  }
  if (thinking) {
    tokens.push('<think>', '</think>', '\n\n');
    types.push(4, 4, 1);
  }
  // SentencePiece merges by score: longer pieces score higher so words win over letters.
  const scores = tokens.map((t, i) => (types[i] === 1 ? -100 + t.length * 10 : 0));
  return {tokens, types, scores};
}

/** Write the tiny GGUF and return its path. */
export function writeTinyGguf(options: TinyGgufOptions = {}): string {
  const file = options.file ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-gguf-')), 'tiny-llama.gguf');
  const rand = prng(options.seed ?? 42);
  const nEmbd = 32;
  const nHead = 4;
  const nHeadKv = 2;
  const nFf = 64;
  const nLayer = options.blocks ?? 2;
  const vocab = tinyVocabulary(options.thinking);
  const thinkId = vocab.tokens.indexOf('<think>');
  const newlineId = vocab.tokens.indexOf('<0x0A>');
  // The gate: the last embedding dimension, set only by the newline byte and written by no block.
  const gate = nEmbd - 1;
  const nVocab = vocab.tokens.length;
  const headDim = nEmbd / nHead;

  const tensors: {name: string; dims: number[]; data: Float32Array}[] = [];
  const tensor = (name: string, dims: number[], fill: (i: number) => number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill(i);
    tensors.push({name, dims, data});
  };
  const rnd = (scale: number) => () => (rand() * 2 - 1) * scale;
  const ones = () => 1;
  // A token may win greedy decoding only when it is a printable byte or a word piece.
  const printable = vocab.tokens.map((t, id) => {
    if (vocab.types[id] === 1) return true;
    if (vocab.types[id] !== 6) return false;
    const byte = parseInt(t.slice(3, 5), 16);
    return byte >= 0x20 && byte < 0x7f;
  });

  const embdRand = rnd(0.5);
  tensor('token_embd.weight', [nEmbd, nVocab], (i) => {
    const v = embdRand();
    if (!options.thinking || i % nEmbd !== gate) return v;
    return Math.floor(i / nEmbd) === newlineId ? 8 : 0;
  });
  // Rows i of a [nIn, nOut] matrix are out = floor(i / nIn): zero those that write the gate.
  const noGate = (nIn: number, fill: () => number) => (i: number) => {
    const v = fill();
    return options.thinking && Math.floor(i / nIn) === gate ? 0 : v;
  };
  for (let b = 0; b < nLayer; b++) {
    tensor(`blk.${b}.attn_norm.weight`, [nEmbd], ones);
    tensor(`blk.${b}.attn_q.weight`, [nEmbd, nEmbd], rnd(0.3));
    tensor(`blk.${b}.attn_k.weight`, [nEmbd, headDim * nHeadKv], rnd(0.3));
    tensor(`blk.${b}.attn_v.weight`, [nEmbd, headDim * nHeadKv], rnd(0.3));
    tensor(`blk.${b}.attn_output.weight`, [nEmbd, nEmbd], noGate(nEmbd, rnd(0.3)));
    tensor(`blk.${b}.ffn_norm.weight`, [nEmbd], ones);
    tensor(`blk.${b}.ffn_gate.weight`, [nEmbd, nFf], rnd(0.3));
    tensor(`blk.${b}.ffn_up.weight`, [nEmbd, nFf], rnd(0.3));
    tensor(`blk.${b}.ffn_down.weight`, [nFf, nEmbd], noGate(nFf, rnd(0.3)));
  }
  tensor('output_norm.weight', [nEmbd], ones);
  const outRand = rnd(1);
  tensor('output.weight', [nEmbd, nVocab], (i) => {
    const v = outRand();
    const row = Math.floor(i / nEmbd);
    if (options.thinking && (row === thinkId || i % nEmbd === gate)) return row === thinkId && i % nEmbd === gate ? 10 : 0;
    if (options.thinking && row === thinkId + 1) return 0; // </think>: never the model's choice
    return printable[row] ? v : 0;
  });

  const kvs: Kv[] = [
    ['general.architecture', 'str', 'llama'],
    ['general.name', 'str', 'tiny-llama'],
    ['general.file_type', 'u32', 0],
    ['llama.context_length', 'u32', 512],
    ['llama.embedding_length', 'u32', nEmbd],
    ['llama.block_count', 'u32', nLayer],
    ['llama.feed_forward_length', 'u32', nFf],
    ['llama.attention.head_count', 'u32', nHead],
    ['llama.attention.head_count_kv', 'u32', nHeadKv],
    ['llama.attention.layer_norm_rms_epsilon', 'f32', 1e-5],
    ['llama.rope.dimension_count', 'u32', headDim],
    ['tokenizer.ggml.model', 'str', 'llama'],
    ['tokenizer.ggml.tokens', 'arr', 'str', vocab.tokens],
    ['tokenizer.ggml.scores', 'arr', 'f32', vocab.scores],
    ['tokenizer.ggml.token_type', 'arr', 'i32', vocab.types],
    ['tokenizer.ggml.unknown_token_id', 'u32', 0],
    ['tokenizer.ggml.bos_token_id', 'u32', 1],
    ['tokenizer.ggml.eos_token_id', 'u32', 2],
  ];
  if (options.chatTemplate) kvs.push(['tokenizer.chat_template', 'str', typeof options.chatTemplate === 'string' ? options.chatTemplate : TINY_CHAT_TEMPLATE]);

  const align = 32;
  const w = new Writer();
  w.push(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const kv of kvs) writeKv(w, kv);
  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(0); // F32
    w.u64(offset);
    offset += Math.ceil((t.data.length * 4) / align) * align;
  }
  w.pad(align);
  for (const t of tensors) {
    w.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(align);
  }
  fs.mkdirSync(path.dirname(file), {recursive: true});
  fs.writeFileSync(file, w.buffer());
  return file;
}
