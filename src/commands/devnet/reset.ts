import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {confirmAction} from '../../cli/prompts.js';

export default class DevnetReset extends BaseCommand<typeof DevnetReset> {
  static override description = 'Delete the devnet chain (all balances and contracts); the next start creates a fresh one';
  static override flags = {
    yes: sharedFlags.yes,
    force: Flags.boolean({description: 'Stop a running devnet first'}),
  };

  async run(): Promise<{dir: string; removed: boolean; wasRunning: boolean}> {
    const {resetDevnet} = await import('../../app/devnet.js');
    const result = await resetDevnet({force: this.flags.force, confirm: (question) => confirmAction(question, {assumeYes: this.flags.yes})});
    this.log(result.removed ? `devnet state deleted (${result.dir})` : 'there was no devnet state');
    return result;
  }
}
