/**
 * Gmail / Google Workspace and Microsoft 365 accounts over OAuth 2.0: connecting an account
 * (authorization code with PKCE), the access tokens its SMTP sessions authenticate with
 * (XOAUTH2), and the rest a server takes when its grant is revoked.
 */
export { oauthProvider, isProviderKind, type OAuthConfig, type OAuthDeps, type OAuthProvider, type ProviderKind } from './providers.js';
export { startAuthorization, pkceChallenge, type StartInput, type Started } from './start-authorization.js';
export { completeAuthorization, type CallbackInput, type Completed } from './complete-authorization.js';
export { createAccessTokenSource, REFRESH_AHEAD_MS, type AccessTokenAnswer, type AccessTokenSource } from './access-tokens.js';
export { grantStatus, UNTIL_FURTHER_NOTICE } from './grants.js';
export { openLoopbackRedirect, type LoopbackRedirect, type RedirectPage } from './loopback-redirect.js';
