// The floor for the provider's memory (bench/memory.bench.ts): a bare Node
// process that only does what node-llama-cpp needs to serve the model the way
// `cocoon provide start` does by default (CPU, 1 thread, 2 sequences, context
// of min(trained, 4096) tokens) and answers one greedy completion.
// Usage: node bench/lib/bare-model.mjs <model.gguf> <threads> <sequences> <maxTokens>
import {getLlama, LlamaCompletion, LlamaLogLevel} from 'node-llama-cpp';

const [modelPath, threads = '1', sequences = '2', maxTokens = '256'] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: 'never', maxThreads: Number(threads), logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize: Math.min(model.trainContextSize || 4096, 4096), sequences: Number(sequences), threads: Number(threads)});
const completion = new LlamaCompletion({contextSequence: context.getSequence()});
const text = await completion.generateCompletion('Once upon a time', {maxTokens: Number(maxTokens), temperature: 0});
process.stdout.write(`${text.length} characters\n`);
await context.dispose();
await model.dispose();
