import {Flags} from '@oclif/core';

/** Shared flag definitions, so every command words them the same way. */
export const sharedFlags = {
  wallet: Flags.string({char: 'w', description: 'Wallet name (default: the `wallet` setting, or the only wallet)'}),
  yes: Flags.boolean({char: 'y', description: 'Answer yes to confirmations (needed without a terminal)'}),
};
