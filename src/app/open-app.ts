/** Everything a command needs, built once from the bootstrap configuration and passed down. */
import type { Logger } from 'pino';
import { createLogger } from './create-logger.js';
import type { Config } from '../config/index.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { openStore, migrateToLatest, type Store } from '../store/index.js';
import { createSecretBox, loadSecretKey, type SecretBox } from '../servers/index.js';

export interface App {
  config: Config;
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  log: Logger;
  close(): Promise<void>;
}

export interface OpenAppOptions {
  clock?: Clock;
  log?: Logger;
  /** Apply migrations on open (every command but `migrate` itself does). */
  migrate?: boolean;
}

export async function openApp(config: Config, options: OpenAppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    if (options.migrate !== false) await migrateToLatest(store.db);
    const secrets = createSecretBox(loadSecretKey(config.secretKey, config.dataDir));
    return { config, store, clock: options.clock ?? systemClock, secrets, log, close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}
