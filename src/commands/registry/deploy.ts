import {Flags} from '@oclif/core';
import type {RegistryDeployView} from '../../app/registry.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {confirmAction} from '../../cli/prompts.js';

export default class RegistryDeploy extends BaseCommand<typeof RegistryDeploy> {
  static override description = "Deploy a provider registry (its index and general shard) from the owner's wallet, and make it this network's registry";
  static override examples = [
    '<%= config.bin %> registry deploy --network testnet --wallet owner --min-stake 10 --unbonding-delay 7d',
    '<%= config.bin %> registry deploy --wallet owner --min-stake 2 --unbonding-delay 120 --yes --json',
  ];
  static override flags = {
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
    'min-stake': Flags.string({description: 'Smallest stake a provider must leave, in GRAM (at most 1,000,000)', required: true}),
    'unbonding-delay': Flags.string({description: 'Wait between unregistering and withdrawing: seconds, or 90m, 2h, 7d (at most 30 days)', required: true}),
  };

  async run(): Promise<RegistryDeployView> {
    const app = await this.app({wallet: this.flags.wallet});
    const {deployRegistry} = await import('../../app/registry.js');
    const view = await deployRegistry(app, {
      minStake: this.flags['min-stake'],
      unbondingDelay: this.flags['unbonding-delay'],
      confirm: (question) => confirmAction(question, {assumeYes: this.flags.yes}),
      spin: (label, work) => this.spin(label, work),
    });
    this.log(`registry  ${view.registry}  (general shard; providers register here)`);
    this.log(`index     ${view.index}`);
    this.log(`owner     ${view.owner} ("${view.wallet}")`);
    this.log(`params    minimum stake ${view.params.minStake} GRAM, unbonding delay ${view.params.unbondingDelay} s`);
    this.log(`fees      ${view.fees} GRAM (reserves left on the accounts: ${view.reserves.registry} + ${view.reserves.index} GRAM)`);
    this.log(
      view.saved.effective
        ? `saved as ${view.saved.key}${view.saved.replaced ? ` (was ${view.saved.replaced})` : ''}`
        : `saved as ${view.saved.key} in the config file, but an environment variable or flag overrides it here`,
    );
    return view;
  }
}
