// Acceptance of issue 14: `cocoon ask` through an endpoint that behaves like
// toncenter without an API key (1 request/s, 429 beyond, ~100 ms round trips)
// succeeds on the first try — the one that opens the channel — and every try
// after. Before the fix the first failed with "Unexpected error: Request failed
// with status code 429" and every later one with "The channel to this provider
// is not deployed".
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startMarket, type Market} from '../gateway/setup.js';
import {runCli} from '../helpers/cli.js';
import {startRoughEndpoint, type RoughEndpoint} from '../helpers/rough-endpoint.js';

let market: Market;
let endpoint: RoughEndpoint;

beforeAll(async () => {
  market = await startMarket();
  endpoint = await startRoughEndpoint({target: `http://127.0.0.1:${market.env.COCOON_DEVNET_PORT}`, latencyMs: 100, rateLimit: 1});
}, 300_000);

afterAll(async () => {
  await endpoint?.close();
  await market?.stop();
});

describe('ask through a 1 request/s, 100 ms chain endpoint', () => {
  it('succeeds on the first try (opening the channel) and on the tries after', async () => {
    const env = {...market.env, COCOON_DEVNET_PORT: String(endpoint.port)};
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['ask', 'Once upon a time', '--max-tokens', '16', '--json'], {home: market.home, env, timeoutMs: 180_000});
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.text.length).toBeGreaterThan(0);
    }
    const list = await runCli(['channel', 'list', '--json'], {home: market.home, env, timeoutMs: 120_000});
    expect(list.code, list.stderr).toBe(0);
    expect(list.json.channels).toHaveLength(1);
    expect(list.json.channels[0].state).toBe('open');
    // The endpoint did limit: everything went through it at no more than 1 admitted request/s.
    const admitted = endpoint.log.filter((e) => e.status === 200).map((e) => e.at);
    expect(admitted.length).toBeGreaterThan(5);
  }, 420_000);
});
