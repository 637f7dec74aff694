import { configSchema, type Config } from './schema.js';
import { listSettings } from './list-settings.js';

export interface ConfigOverrides {
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
  /** Log only warnings and errors unless a level is set (for `--json` output). */
  quiet?: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * Reads bootstrap configuration from the environment, with command-line flags taking precedence.
 * Which variable feeds which key is read from the schema (`fromEnv` in schema.ts).
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: Env = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const setting of listSettings()) {
    if (!setting.env) continue;
    const value = env[setting.env];
    if (setting.group === null) raw[setting.name] = value;
    else raw[setting.group] = { ...(raw[setting.group] as Record<string, unknown> | undefined), [setting.name]: value };
  }
  raw.dataDir = overrides.dataDir ?? raw.dataDir;
  raw.databaseUrl = overrides.databaseUrl ?? raw.databaseUrl;
  raw.logLevel = overrides.logLevel ?? raw.logLevel ?? (overrides.quiet ? 'warn' : undefined);
  const parsed = configSchema.safeParse(dropUndefined(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') ?? '?';
    const variable = listSettings().find((s) => s.key === key)?.env;
    throw new Error(`configuration: ${key}${variable ? ` (${variable})` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function dropUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === '') continue;
    out[k] = dropUndefined(v);
  }
  return out;
}
