import {Flags} from '@oclif/core';

/** Which service manager a `provide service` command talks to. */
export const serviceFlags = {
  system: Flags.boolean({description: 'A system unit (/etc/systemd/system, runs at boot as this user; needs root) instead of a user unit'}),
  platform: Flags.string({description: 'Service manager [default: launchd on macOS, else systemd]', options: ['systemd', 'launchd']}),
};
