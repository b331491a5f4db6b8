import {envName, type ResolvedSetting} from '../config/settings.js';

/** A setting as commands show it: secrets redacted unless revealed. */
export interface SettingView {
  key: string;
  value: unknown;
  source: string;
  env: string;
  description: string;
}

/** Redact secret values ("****") unless `reveal`; empty secrets stay empty. */
export function redactSetting(setting: ResolvedSetting, reveal = false): SettingView {
  const hidden = setting.secret && !reveal && setting.value !== '';
  return {
    key: setting.key,
    value: hidden ? '****' : setting.value,
    source: setting.source,
    env: envName(setting.key),
    description: setting.description,
  };
}
