/**
 * The configuration schema as a flat list of settings: each key with its group, environment
 * variable, default and description. loadConfig reads the environment from it and the
 * configuration reference is rendered from it, so neither keeps a list of its own.
 */
import { z } from 'zod';
import { configSchema, settingSources } from './schema.js';

export interface Setting {
  /** `worker.leaseMs`; a top-level key has no dot. */
  key: string;
  /** The object the key sits in (`worker`), or null for a top-level key. */
  group: string | null;
  name: string;
  /** Null: set only in code (no environment variable). */
  env: string | null;
  flag: string | null;
  /** Shown only as set or unset. */
  secret: boolean;
  description: string;
  /** The default value, or undefined when the key has none. */
  defaultValue: unknown;
  optional: boolean;
}

function settingOf(group: string | null, name: string, schema: z.ZodType): Setting {
  const source = settingSources.get(schema);
  const hasDefault = schema instanceof z.ZodDefault;
  return {
    key: group ? `${group}.${name}` : name,
    group,
    name,
    env: source?.env ?? null,
    flag: source?.flag ?? null,
    secret: source?.secret ?? false,
    description: schema.description ?? '',
    defaultValue: hasDefault ? (schema._zod.def as { defaultValue: unknown }).defaultValue : undefined,
    optional: schema instanceof z.ZodOptional,
  };
}

export interface SettingGroup {
  /** Null for the top-level keys. */
  name: string | null;
  description: string;
  settings: Setting[];
}

/** The schema's keys by group, in the schema's order: the top-level keys first, then each object. */
export function settingGroups(): SettingGroup[] {
  const top: SettingGroup = { name: null, description: 'Where the data lives, the secret key and logging.', settings: [] };
  const groups: SettingGroup[] = [top];
  for (const [name, value] of Object.entries(configSchema.shape)) {
    const inner: z.ZodType = value instanceof z.ZodPrefault ? (value.unwrap() as z.ZodType) : value;
    if (inner instanceof z.ZodObject) {
      const settings = Object.entries(inner.shape as Record<string, z.ZodType>).map(([key, leaf]) => settingOf(name, key, leaf));
      groups.push({ name, description: value.description ?? '', settings });
    } else {
      top.settings.push(settingOf(null, name, value));
    }
  }
  return groups;
}

/** Every key of the schema, in the schema's order. */
export function listSettings(): Setting[] {
  return settingGroups().flatMap((group) => group.settings);
}
