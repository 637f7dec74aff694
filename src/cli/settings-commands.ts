import { Command } from 'commander';
import { getSettings, setSetting, isSettingKey, SETTINGS, findServer } from '../servers/index.js';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import { table } from './output.js';
import type { App } from '../app/open-app.js';
import type { Settings } from '../servers/index.js';

/** Shows the bulk server by name; it is stored by id. */
async function readable(app: App, settings: Settings): Promise<Settings> {
  if (!settings.bulk_server) return settings;
  const server = await findServer(app.store, settings.bulk_server).catch(() => null);
  return { ...settings, bulk_server: server?.name ?? `(removed server ${settings.bulk_server})` };
}

export function settingsCommands(): Command {
  const settings = new Command('settings').description('global settings: ' + Object.keys(SETTINGS).join(', '));

  settings
    .command('set')
    .description('set a setting (an empty value clears it)')
    .argument('<key>', Object.keys(SETTINGS).join(' | '))
    .argument('<value>')
    .action(async (key: string, value: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const all = await readable(app, await setSetting(app.store, key, value));
        out.print(all, () => `${key} = ${all[key as keyof Settings] ?? '(not set)'}`);
      }),
    );

  settings
    .command('get')
    .description('show one setting, or all of them')
    .argument('[key]')
    .action(async (key: string | undefined, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        if (key !== undefined && !isSettingKey(key)) throw new InputError('key', `unknown setting "${key}"; known: ${Object.keys(SETTINGS).join(', ')}`);
        const all = await readable(app, await getSettings(app.store));
        if (key) out.print({ [key]: all[key] }, () => all[key] ?? '');
        else out.print(all, () => table(['KEY', 'VALUE', 'MEANING'], Object.entries(SETTINGS).map(([k, d]) => [k, all[k as keyof Settings] ?? '', d])));
      }),
    );
  return settings;
}
