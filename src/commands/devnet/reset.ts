import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';

export default class DevnetReset extends BaseCommand<typeof DevnetReset> {
  static override description = 'Delete the devnet chain (all balances and contracts); the next start creates a fresh one';
  static override flags = {
    yes: sharedFlags.yes,
    force: Flags.boolean({description: 'Stop a running devnet first'}),
  };

  async run(): Promise<{dir: string; removed: boolean; wasRunning: boolean}> {
    const control = await import('../../devnet/control.js');
    if (!(await confirmAction('Delete the devnet chain and everything on it?', {assumeYes: this.flags.yes}))) {
      throw new CocoonError('ABORTED', 'Reset cancelled; nothing was deleted.');
    }
    const wasRunning = this.flags.force ? await control.stopDevnet() : false;
    const result = await control.resetDevnet();
    this.log(result.removed ? `devnet state deleted (${result.dir})` : 'there was no devnet state');
    return {...result, wasRunning};
  }
}
