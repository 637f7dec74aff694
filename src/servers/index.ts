export { createSecretBox, loadSecretKey, type SecretBox } from './secret-box.js';
export { listServers, findServer, createServer, updateServer, removeServer, ensureSandboxServer, type ServersContext } from './manage-servers.js';
export { serverFieldsSchema, SERVER_DEFAULTS, type ServerFields, type ServerInput } from './server-input.js';
export { serverFromRow, publicServer, openServerSecrets, type OutgoingServer, type ServerSecrets } from './server-record.js';
export { routeMessage, type Route, type RoutableServer, type RoutingSettings } from './route-message.js';
export { matchFromFilter, parseFromFilter, FilterMatch } from './from-filter.js';
export { getSettings, setSetting, isSettingKey, emptySettings, feedbackSettings, trackingBase, SETTINGS, type Settings, type SettingKey, type FeedbackSettings } from './settings.js';
export { testConnection, type TestResult } from './test-connection.js';
