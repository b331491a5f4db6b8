import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {testModel} from '../inference/model.js';

// `registry deploy` and `registry show` go through the wallet and the chain
// client exactly as on testnet and mainnet; only the endpoint differs.
const home = tempHome();
const model = testModel();
let env: Record<string, string>;

async function cli(args: string[], extra: Record<string, string> = {}) {
  return runCli(args, {home, env: {...env, ...extra}, timeoutMs: 120_000});
}

async function ok(args: string[], extra: Record<string, string> = {}) {
  const r = await cli([...args, '--json'], extra);
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

const balance = async (wallet: string): Promise<string> => (await ok(['wallet', 'balance', wallet])).balance;

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'wallet-pw', COCOON_NODE_PASSWORD: 'node-pw', COCOON_INFERENCE_GPU: 'off'};
  await ok(['devnet', 'start', '--detach']);
  await ok(['wallet', 'create', 'owner']);
  await ok(['wallet', 'create', 'poor']);
  await ok(['wallet', 'create', 'gpu']);
  await ok(['devnet', 'fund', 'owner', '5']);
  await ok(['devnet', 'fund', 'gpu', '10']);
});

afterAll(async () => {
  await runCli(['devnet', 'stop'], {home, env});
});

describe('registry deploy and show, through the CLI on the devnet', () => {
  let genesis: string;
  let deployed: any;
  const params = ['--min-stake', '2', '--unbonding-delay', '2m'];

  it('shows the genesis registry when none is configured, and says what it tried where none is known', async () => {
    const shown = await ok(['registry', 'show']);
    expect(shown).toMatchObject({network: 'devnet', source: 'genesis', params: {minStake: '1', unbondingDelay: 60}, shard: {codeMatches: true, model: '', shardIndex: 0}, indexAccount: {active: true, codeMatches: true}});
    genesis = shown.registry;
    const testnet = await cli(['registry', 'show', '--network', 'testnet']);
    expect(testnet.code).toBe(3);
    expect(testnet.stderr).toMatch(/No registry is known for testnet: tried the testnet\.registry setting \(unset\) and the registries published for testnet \(none yet\)/);
    expect(testnet.stderr).toMatch(/cocoon registry deploy --network testnet/);
  });

  it('refuses bad parameters, an unfunded wallet and a missing confirmation before any money moves', async () => {
    const before = await balance('owner');
    const cases: Array<[string[], number, RegExp]> = [
      [['--min-stake', '2', '--unbonding-delay', '31d', '--yes'], 2, /unbonding delay of 2678400 s is above the contract's bound of 2592000 s/],
      [['--min-stake', '1000001', '--unbonding-delay', '60', '--yes'], 2, /minimum stake of 1000001 GRAM is above the contract's bound of 1000000 GRAM/],
      [['--min-stake', 'lots', '--unbonding-delay', '60', '--yes'], 2, /"lots" is not an amount of GRAM/],
      [['--min-stake', '2', '--unbonding-delay', 'soon', '--yes'], 2, /The unbonding delay "soon" is not a duration/],
      [[...params], 4, /A confirmation is needed[\s\S]*--yes/],
    ];
    for (const [flags, code, message] of cases) {
      const r = await cli(['registry', 'deploy', '--wallet', 'owner', ...flags]);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    const poor = await cli(['registry', 'deploy', '--wallet', 'poor', ...params, '--yes']);
    expect(poor.code, poor.stderr).toBe(7);
    expect(poor.stderr).toMatch(/holds 0 GRAM; deploying the registry needs about 1\.25 GRAM[\s\S]*Nothing was sent[\s\S]*cocoon devnet fund poor/);
    expect(await balance('owner')).toBe(before);
    expect(await balance('poor')).toBe('0');
  });

  it('deploys a second registry with custom parameters, saves it as devnet.registry and shows it', async () => {
    deployed = await ok(['registry', 'deploy', '--wallet', 'owner', ...params, '--yes']);
    const owner = (await ok(['wallet', 'show', 'owner'])).address;
    expect(deployed).toMatchObject({network: 'devnet', wallet: 'owner', owner, params: {minStake: '2', unbondingDelay: 120}, deployed: {index: true, registry: true}, saved: {key: 'devnet.registry', effective: true}});
    expect(deployed.registry).not.toBe(genesis);
    expect(Number(deployed.fees)).toBeGreaterThan(0);
    expect(Number(deployed.fees)).toBeLessThan(0.05);
    expect(Number(await balance('owner'))).toBeCloseTo(5 - 1.2 - Number(deployed.fees), 6);
    expect(await ok(['config', 'get', 'devnet.registry'])).toMatchObject({value: deployed.registry, source: 'file'});

    const shown = await ok(['registry', 'show']);
    expect(shown).toMatchObject({
      source: 'setting',
      registry: deployed.registry,
      index: deployed.index,
      owner,
      params: {minStake: '2', unbondingDelay: 120},
      genesis: {owner, params: {minStake: '2', unbondingDelay: 120}},
      shard: {active: true, codeMatches: true, model: '', shardIndex: 0, count: 0, capacity: 1000, announced: false, totalStaked: '0'},
      indexAccount: {address: deployed.index, active: true, codeMatches: true},
      models: [],
      records: [],
    });
    expect(Number(shown.shard.balance)).toBeCloseTo(1, 2);
    expect(shown.shard.rentReserve).toBe(shown.shard.balance);
    expect(Number(shown.indexAccount.balance)).toBeCloseTo(0.2, 2);
    expect(shown.shard.codeHash).toMatch(/^[0-9a-f]{64}$/);
    // Given the index, show finds its general shard; the genesis registry is unchanged.
    expect(await ok(['registry', 'show', deployed.index])).toMatchObject({source: 'argument', registry: deployed.registry});
    expect(await ok(['registry', 'show', genesis])).toMatchObject({source: 'argument', registry: genesis, params: {minStake: '1'}});
    const text = await cli(['registry', 'show']);
    expect(text.stdout).toMatch(/params\s+minimum stake 2 GRAM, unbonding delay 120 s/);
  });

  it('refuses to deploy the same registry twice, and offers to use it', async () => {
    const before = await balance('owner');
    const twice = await cli(['registry', 'deploy', '--wallet', 'owner', ...params, '--yes']);
    expect(twice.code).toBe(3);
    expect(twice.stderr).toContain(`already exists on devnet: ${deployed.registry}`);
    expect(twice.stderr).toMatch(/It is already this network's registry \(devnet\.registry\)/);
    await ok(['config', 'unset', 'devnet.registry']);
    const unset = await cli(['registry', 'deploy', '--wallet', 'owner', ...params, '--yes', '--json']);
    expect(unset.code).toBe(3);
    expect(unset.json.error).toMatchObject({code: 'ALREADY_EXISTS'});
    expect(unset.json.error.hint).toContain(`cocoon config set devnet.registry ${deployed.registry}`);
    expect(await balance('owner')).toBe(before);
  });

  it('a provider registers into it after `config set devnet.registry`, and `providers list` finds it there only', async () => {
    await ok(['config', 'set', 'devnet.registry', deployed.registry]);
    const offer = (stake: string) => ['provide', 'register', '--wallet', 'gpu', '--model', model, '--stake', stake, '--price-prompt', '2', '--price-completion', '100', '--endpoint', 'http://127.0.0.1:9', '--yes'];
    // This registry's minimum (2 GRAM), not the genesis one's (1 GRAM).
    const low = await cli(offer('1.5'));
    expect(low.code, low.stderr).toBe(2);
    expect(low.stderr).toMatch(/below the registry minimum of 2 GRAM/);
    const registered = await cli(offer('3'));
    expect(registered.code, registered.stderr).toBe(0);
    const gpu = (await ok(['wallet', 'show', 'gpu'])).address;

    const listed = await ok(['providers', 'list', '--no-check']);
    expect(listed.providers).toEqual([expect.objectContaining({provider: gpu, stake: '3'})]);
    const shown = await ok(['registry', 'show']);
    expect(shown.shard).toMatchObject({count: 1, totalStaked: '3', announced: true});
    expect(shown.records).toEqual([expect.objectContaining({owner: gpu, stake: '3', status: 'active', endpoint: 'http://127.0.0.1:9'})]);
    expect(shown.models).toEqual([{model: '', shards: 1}]);
    expect(Number(shown.shard.rentReserve)).toBeGreaterThan(0.9);

    // Back on the genesis registry: the provider is not there.
    await ok(['config', 'unset', 'devnet.registry']);
    expect((await ok(['providers', 'list', '--no-check'])).providers).toEqual([]);
    expect((await ok(['registry', 'show'])).shard.count).toBe(0);
  });
});
