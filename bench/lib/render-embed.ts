// The embeddings bench's table for docs/benchmarks.md (bench/embed.bench.ts).
const n = (x: number, d = 0) => x.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});

/** What embed.bench.ts stores. */
export interface EmbedBench {
  model: string;
  dimensions: number;
  threads: number;
  rounds: number;
  batch: {texts: number; directTextsPerS: number; networkTextsPerS: number; ratio: number};
  single: {directMs: number; networkMs: number; addedMs: number};
}

/** Batch throughput and one text's added time, paid over the protocol against node-llama-cpp direct. */
export function embed(r: EmbedBench): string {
  return [
    `| ${r.model} (${r.dimensions} dimensions), ${r.threads} thread | node-llama-cpp direct | paid query over the protocol | ratio |`,
    '|---|---:|---:|---:|',
    `| ${r.batch.texts} texts in one query, texts/s | ${n(r.batch.directTextsPerS)} | ${n(r.batch.networkTextsPerS)} | **${n(r.batch.ratio, 3)}** |`,
    `| one short text, ms | ${n(r.single.directMs, 2)} | ${n(r.single.networkMs, 2)} | +${n(r.single.addedMs, 2)} ms |`,
  ].join('\n');
}
