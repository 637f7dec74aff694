export { createUser, findUser, listUsers, checkLogin, ensureFirstAdmin, changePassword, userFromRow, type User, type UsersContext } from './manage-users.js';
export { createSession, findSession, endSession, endOtherSessions, SESSION_LIFETIME_MS, type Session } from './sessions.js';
export { createApiKey, listApiKeys, revokeApiKey, createKeyAuthenticator, type ApiKeyView } from './api-keys.js';
export { hashPassword, verifyPassword, generatePassword } from './passwords.js';
export { createSmtpCredential, listSmtpCredentials, revokeSmtpCredential, createSmtpAuthenticator, credentialActive, newCredentialSchema, type SmtpCredentialView, type SmtpLogin, type SmtpLane, type NewCredentialInput } from './smtp-credentials.js';
