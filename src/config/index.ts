export { configSchema, type Config, type WorkerConfig, type RetryConfig, type SmtpConfig, type ShutdownConfig } from './schema.js';
export { loadConfig, type ConfigOverrides } from './load-config.js';
export { listSettings, settingGroups, type Setting, type SettingGroup } from './list-settings.js';
export { renderConfigDocs, humanDuration } from './config-docs.js';
export { effectiveConfig, type EffectiveSetting } from './effective-config.js';
