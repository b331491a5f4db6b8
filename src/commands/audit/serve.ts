import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {waitForStopSignal} from '../../cli/signals.js';

export default class AuditServe extends BaseCommand<typeof AuditServe> {
  static override description =
    'Serve your evidence bundles read-only at /<sha256>.json (the URL you joined the board with should reach it): a bundle is served only while its bytes still match its name';
  static override examples = ['<%= config.bin %> audit serve --port 8090', '<%= config.bin %> audit serve --dir ./evidence --host 0.0.0.0 --port 8090'];
  static override flags = {
    dir: Flags.string({description: 'Folder of <sha256>.json bundles [default: where `audit publish` keeps them]'}),
    host: Flags.string({description: 'Listen address', default: '127.0.0.1'}),
    port: Flags.integer({description: 'Port', default: 8090, min: 0, max: 65_535}),
  };

  async run(): Promise<{url: string; dir: string}> {
    const app = await this.app();
    const {evidenceDir, startEvidenceHost} = await import('../../app/evidence-host.js');
    const dir = this.flags.dir ?? evidenceDir(app.network);
    const server = await startEvidenceHost({dir, host: this.flags.host, port: this.flags.port});
    this.log(`serving evidence bundles from ${dir} at ${server.url}/<sha256>.json (Ctrl-C to stop)`);
    await waitForStopSignal();
    await server.close();
    return {url: server.url, dir};
  }
}
