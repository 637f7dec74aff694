import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getSettings, setSetting } from '../../servers/index.js';
import { requireAdmin } from '../auth.js';
import type { HttpContext } from '../context.js';
import { readableSettings, settingsChange, settingsView } from './get-settings.js';

export function updateSettingsRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.withTypeProvider<ZodTypeProvider>().patch(
    '/settings',
    { schema: { summary: 'Change the given settings (admin); an empty string clears one. All or nothing.', body: settingsChange, response: { 200: settingsView } } },
    async (request) => {
      requireAdmin(request);
      // One transaction, so a bad value leaves the other settings in the request unchanged too.
      await ctx.store.db.transaction().execute(async (trx) => {
        const store = { ...ctx.store, db: trx };
        for (const [key, given] of Object.entries(request.body)) if (given !== undefined) await setSetting(store, key, given);
      });
      return readableSettings(ctx.store, await getSettings(ctx.store));
    },
  );
}
