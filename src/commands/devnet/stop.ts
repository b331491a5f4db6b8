import {BaseCommand} from '../../cli/base-command.js';

export default class DevnetStop extends BaseCommand<typeof DevnetStop> {
  static override description = 'Stop the running devnet (its state stays on disk)';

  async run(): Promise<{stopped: boolean}> {
    const {stopDevnet} = await import('../../app/devnet.js');
    const stopped = await this.spin('Stopping devnet', stopDevnet());
    this.log(stopped ? 'devnet stopped' : 'no devnet was running');
    return {stopped};
  }
}
