// Registry helpers shared by the registry tests: registration with a quoted value.
import {toNano} from '@ton/core';
import type {SandboxContract, TreasuryContract} from '@ton/sandbox';
import type {Registry} from '../../src/chain/contracts/registry.js';
import type {ProviderProfile} from '../../src/chain/contracts/registry-codec.js';
import {sampleProfile} from './fixtures.js';

/** Registers `profile` from `from` with `stake`, prepaying `rentSeconds` (default a year). */
export async function registerWith(
  registry: SandboxContract<Registry>,
  from: SandboxContract<TreasuryContract>,
  opts: {stake?: bigint; profile?: ProviderProfile; rentSeconds?: number} = {},
) {
  const profile = opts.profile ?? sampleProfile();
  const stake = opts.stake ?? toNano('2');
  const quote = await registry.getRegisterQuote({profile, stake, rentSeconds: opts.rentSeconds});
  const result = await registry.sendRegister(from.getSender(), {value: quote.value, stake, profile});
  return {result, profile, quote};
}
