/**
 * The configuration in effect, key by key, with where each value came from (a flag, the
 * environment, the default) and secrets shown only as set: what `postroom config` prints.
 */
import { listSettings, type Setting } from './list-settings.js';
import { loadConfig, type ConfigOverrides } from './load-config.js';
import type { Config } from './schema.js';

export const HIDDEN = '(set, hidden)';

export interface EffectiveSetting {
  key: string;
  /** Undefined when unset; secrets are HIDDEN; a database URL's password is masked. */
  value: unknown;
  from: string;
}

function valueAt(config: Config, setting: Setting): unknown {
  const holder = setting.group === null ? config : (config as unknown as Record<string, unknown>)[setting.group];
  return (holder as Record<string, unknown> | undefined)?.[setting.name];
}

/** A postgres:// URL's password is a secret too. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function shown(setting: Setting, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (setting.secret) return HIDDEN;
  if (setting.key === 'databaseUrl' && typeof value === 'string') return withoutPassword(value);
  return value;
}

/** Each key's value in effect; `flags` maps a flag (`--data`) to what was given for it. */
export function effectiveConfig(overrides: ConfigOverrides, flags: Record<string, string | undefined>, env: Record<string, string | undefined> = process.env): EffectiveSetting[] {
  const config = loadConfig(overrides, env);
  return listSettings().map((setting) => {
    const value = shown(setting, valueAt(config, setting));
    const from =
      setting.flag && flags[setting.flag] !== undefined
        ? `flag ${setting.flag}`
        : setting.env && env[setting.env]
          ? `env ${setting.env}`
          : value === undefined
            ? 'unset'
            : 'default';
    return { key: setting.key, value, from };
  });
}
