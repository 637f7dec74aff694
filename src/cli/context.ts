import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { openApp, type App } from '../app/open-app.js';
import { createOutput, type Output } from './output.js';

export interface GlobalFlags {
  data?: string;
  json?: boolean;
  logLevel?: string;
}

export function globalFlags(command: Command): GlobalFlags {
  return command.optsWithGlobals<GlobalFlags>();
}

export function outputFor(command: Command): Output {
  return createOutput(!!globalFlags(command).json);
}

/** Opens the app (migrating the database), runs `fn`, and closes it again. */
export async function withApp<T>(command: Command, fn: (app: App, out: Output) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const flags = globalFlags(command);
  const config = loadConfig({ dataDir: flags.data, logLevel: flags.logLevel, quiet: !!flags.json });
  const app = await openApp(config, { migrate: options.migrate });
  try {
    return await fn(app, outputFor(command));
  } finally {
    await app.close();
  }
}
