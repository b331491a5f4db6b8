// Flood benchmark: `node --import tsx bench/flood.bench.ts` (part of `npm run bench`).
//
// How responsive /healthz stays while a consumer with open channels floods
// ~1 MB prompts at 10/s (the attack of issue 15: within every rate limit, each
// prompt tokenised on the event loop before it is refused). Three phases on
// one provider: no flood; a flood with the prompt byte bound on (the default,
// contextSize × 16 bytes); the same flood with the bound off
// (maxPromptBytesPerToken huge, i.e. the provider as it was). Probes are
// sequential GET /healthz every 10 ms over keep-alive; p50/p99/max in ms.
//
// Everything runs in this process (the flood's bodies are sealed before each
// phase, so the client side only writes prepared buffers). Uses the bench
// model (stories260K) through node-llama-cpp when there is one, else the null
// engine. Env: BENCH_FLOOD_SECONDS (default 5), BENCH_FLOOD_RATE (default 10/s).
import {performance} from 'node:perf_hooks';
import {Address} from '@ton/core';
import {ed25519PublicKey} from '../src/crypto/ed25519.js';
import {generateNodeKey} from '../src/crypto/node-key.js';
import type {InferenceEngine} from '../src/inference/types.js';
import {sealRequest} from '../src/protocol/envelope.js';
import {encodeQueryRequest} from '../src/protocol/request.js';
import {TableChannelGuard} from '../src/provider/channel-guard.js';
import {NullEngine} from '../src/provider/null-engine.js';
import {createProviderServer} from '../src/provider/server.js';
import {emitResult, findBenchModel} from './lib/result.js';

const seconds = Number(process.env.BENCH_FLOOD_SECONDS ?? 5);
const rate = Number(process.env.BENCH_FLOOD_RATE ?? 10);
const CHANNELS = Array.from({length: 16}, (_, i) => new Address(0, Buffer.alloc(32, i + 1)));
const PROMPT = 'Once upon a time there was a fox. '.repeat(29_000); // ≈ 1 MB, under the 1 MiB body limit with its envelope

async function makeEngine(): Promise<InferenceEngine> {
  const model = findBenchModel();
  if (!model) return new NullEngine({contextSize: 2048});
  const {createEngine} = await import('../src/inference/engine.js');
  return createEngine({modelPath: model, gpu: false, threads: Number(process.env.COCOON_BENCH_THREADS ?? 1), parallel: 1, hash: false});
}

function quantiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const r = (x: number) => Math.round(x * 100) / 100;
  return {probes: s.length, p50: r(at(0.5)), p99: r(at(0.99)), max: r(s[s.length - 1] ?? NaN)};
}

async function phase(engine: InferenceEngine, boundOn: boolean | undefined) {
  const nodeKey = await generateNodeKey();
  const guard = new TableChannelGuard();
  for (const c of CHANNELS) guard.set(c, {deposit: 10n ** 18n, consumerKey: ed25519PublicKey(Buffer.alloc(32, 9))});
  const server = await createProviderServer({
    engine, nodeKey, guard, prices: {prompt: 1n, completion: 1n},
    ...(boundOn === false ? {maxPromptBytesPerToken: 1e9} : {}),
  });
  const bodies: Uint8Array[] = [];
  if (boundOn !== undefined) {
    for (let i = 0; i < Math.ceil(seconds * rate); i++) {
      const queryId = crypto.getRandomValues(new Uint8Array(16));
      const timestamp = Date.now();
      const plaintext = encodeQueryRequest({
        queryId, timestamp, channel: CHANNELS[i % CHANNELS.length]!, model: engine.model.name, prompt: PROMPT, params: {}, maxTokens: 4,
        maxPrice: {prompt: 10n, completion: 10n},
      });
      bodies.push((await sealRequest({recipientKey: nodeKey.x25519PublicKey, plaintext, queryId, timestamp})).body);
    }
  }
  const outcomes: Record<string, number> = {};
  const flood = (async () => {
    const sent: Promise<void>[] = [];
    for (const body of bodies) {
      sent.push(
        fetch(`${server.url}/v1/query`, {method: 'POST', body, headers: {'content-type': 'application/octet-stream'}})
          .then(async (res) => {
            await res.arrayBuffer();
            const key = String(res.status);
            outcomes[key] = (outcomes[key] ?? 0) + 1;
          })
          .catch(() => void (outcomes.failed = (outcomes.failed ?? 0) + 1)),
      );
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
    await Promise.all(sent);
  })();
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await (await fetch(`${server.url}/healthz`)).arrayBuffer();
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  await flood;
  await server.close();
  return {...quantiles(latencies), floodAnswers: outcomes};
}

const engine = await makeEngine();
const result = {
  engine: engine.backend, contextSize: engine.model.contextSize, promptBytes: Buffer.byteLength(PROMPT), rate, phaseSeconds: seconds, // (the runner's `seconds` is the bench's run time)
  idle: await phase(engine, undefined),
  boundOn: await phase(engine, true),
  boundOff: await phase(engine, false),
};
await engine.dispose();
console.log(`/healthz while ${rate}/s prompts of ${(result.promptBytes / 1e6).toFixed(2)} MB flood a ${result.engine} provider (context ${result.contextSize}):`);
for (const k of ['idle', 'boundOn', 'boundOff'] as const) console.log(`  ${k.padEnd(8)} p50 ${result[k].p50} ms  p99 ${result[k].p99} ms  max ${result[k].max} ms  (${result[k].probes} probes)`);
emitResult('flood', result);
