export { type AppOptions, BODY_LIMIT, buildApp, type HubApp, type HubView } from './app.js';
export { Auth, LOGIN_TOKEN_TTL_MS, type Principal, SESSION_COOKIE, SESSION_TTL_MS } from './auth.js';
export { ApiError, fromZodError } from './errors.js';
export { FailureLimiter } from './rate-limit.js';
export { createRedirectServer } from './redirect.js';
