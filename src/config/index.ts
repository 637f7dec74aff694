export { configSchema, type Config, type WorkerConfig, type RetryConfig, type SmtpConfig } from './schema.js';
export { loadConfig, type ConfigOverrides } from './load-config.js';
