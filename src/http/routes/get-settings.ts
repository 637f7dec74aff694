import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findServer, getSettings, SETTINGS, type Settings, type SettingKey } from '../../servers/index.js';
import type { Store } from '../../store/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';

const keys = Object.keys(SETTINGS) as SettingKey[];
const described = (key: SettingKey) => (key === 'bulk_server' ? `${SETTINGS[key]} Shown by name; null also when that server has been removed.` : SETTINGS[key]);

/** Every setting, made from the list of settings so a new one appears here too. Names as in the CLI and docs (`domain_alias`). */
export const settingsView = z.object(
  Object.fromEntries(keys.map((key) => [key, z.string().nullable().describe(described(key))])) as Record<SettingKey, z.ZodNullable<z.ZodString>>,
);

/** What PATCH accepts: any of the settings as a string; an empty string clears one. */
export const settingsChange = z
  .object(Object.fromEntries(keys.map((key) => [key, z.string().max(500).optional().describe(described(key))])) as Record<SettingKey, z.ZodOptional<z.ZodString>>)
  .strict();

/** The bulk server is stored by id (so renaming it keeps the setting) and shown by name. */
export async function readableSettings(store: Store, settings: Settings): Promise<Settings> {
  if (!settings.bulk_server) return settings;
  const server = await findServer(store, settings.bulk_server).catch(() => null);
  return { ...settings, bulk_server: server?.name ?? null };
}

export function getSettingsRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/settings',
    { schema: { summary: 'Global settings (admin)', response: { 200: settingsView } } },
    async (request) => {
      requireAdmin(request);
      return readableSettings(ctx.store, await getSettings(ctx.store));
    },
  );
}
