import {Flags} from '@oclif/core';

/** Filters shared by `providers list` and `ask`. */
export const providerFilterFlags = {
  arch: Flags.string({description: 'Model architecture (llama, qwen, deepseek …)'}),
  model: Flags.string({char: 'm', description: 'Model name'}),
  'max-price': Flags.string({description: 'Highest completion price, GRAM per 1M tokens'}),
};
