export { configSchema, type Config, type WorkerConfig, type RetryConfig } from './schema.js';
export { loadConfig, type ConfigOverrides } from './load-config.js';
