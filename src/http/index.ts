export { buildHttpApp, type HttpOptions } from './build-http-app.js';
export type { HttpContext } from './context.js';
