import {Flags} from '@oclif/core';

/** Filters shared by `providers list` and `ask`. */
export const providerFilterFlags = {
  arch: Flags.string({description: 'Model architecture (llama, qwen, deepseek …)'}),
  model: Flags.string({char: 'm', description: 'Model name'}),
  'max-price': Flags.string({description: 'Highest completion price, GRAM per 1M tokens'}),
  'include-flagged': Flags.boolean({description: 'Also use provider nodes that independent auditors flagged for serving another model or inflating tokens (skipped by default)'}),
  'allow-unaudited': Flags.boolean({description: 'Also use unaudited provider nodes when the audit.requireAudited setting is on'}),
};
