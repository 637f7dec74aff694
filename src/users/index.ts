export { createUser, findUser, listUsers, checkLogin, ensureFirstAdmin, userFromRow, type User, type UsersContext } from './manage-users.js';
export { createApiKey, listApiKeys, revokeApiKey, createKeyAuthenticator, type ApiKeyView } from './api-keys.js';
export { hashPassword, verifyPassword, generatePassword } from './passwords.js';
