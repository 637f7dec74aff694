/**
 * The HTTP API: Fastify with zod schemas (which also produce the OpenAPI document), one error
 * shape, API-key authentication, and one file per route under routes/.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createKeyAuthenticator, findSession } from '../users/index.js';
import fastifyCookie from '@fastify/cookie';
import { openSpoolIntake, type SpoolIntake } from '../spool/index.js';
import { createMessageTracker } from '../tracking/index.js';
import { handleError, ApiError } from './api-error.js';
import { registerWebUi } from './web-ui.js';
import fastifyRateLimit from '@fastify/rate-limit';
import { authHook } from './auth.js';
import type { HttpContext } from './context.js';
import { postMessageRoute } from './routes/post-message.js';
import { listMessagesRoute } from './routes/list-messages.js';
import { getMessageRoute } from './routes/get-message.js';
import { getMessageRawRoute } from './routes/get-message-raw.js';
import { getMessageAttachmentRoute } from './routes/get-message-attachment.js';
import { changeMessageRoutes } from './routes/change-message.js';
import { listEventsRoute } from './routes/list-events.js';
import { streamEventsRoute } from './routes/stream-events.js';
import { listWebhooksRoute } from './routes/list-webhooks.js';
import { createWebhookRoute } from './routes/create-webhook.js';
import { updateWebhookRoute } from './routes/update-webhook.js';
import { deleteWebhookRoute } from './routes/delete-webhook.js';
import { listWebhookDeliveriesRoute } from './routes/list-webhook-deliveries.js';
import { loginRoute, sessionRoutes } from './routes/session.js';
import { listServersRoute } from './routes/list-servers.js';
import { getServerRoute } from './routes/get-server.js';
import { createServerRoute } from './routes/create-server.js';
import { updateServerRoute } from './routes/update-server.js';
import { removeServerRoute } from './routes/remove-server.js';
import { testServerConnectionRoute } from './routes/test-server-connection.js';
import { getSettingsRoute } from './routes/get-settings.js';
import { updateSettingsRoute } from './routes/update-settings.js';
import { listUsersRoute } from './routes/list-users.js';
import { createUserRoute } from './routes/create-user.js';
import { listApiKeysRoute } from './routes/list-api-keys.js';
import { createApiKeyRoute } from './routes/create-api-key.js';
import { revokeApiKeyRoute } from './routes/revoke-api-key.js';
import { listSmtpCredentialsRoute } from './routes/list-smtp-credentials.js';
import { createSmtpCredentialRoute } from './routes/create-smtp-credential.js';
import { revokeSmtpCredentialRoute } from './routes/revoke-smtp-credential.js';
import { getStatsRoute } from './routes/get-stats.js';
import { listSandboxMessagesRoute } from './routes/list-sandbox-messages.js';
import { getSandboxMessageRoutes } from './routes/get-sandbox-message.js';
import { campaignRoutes } from './routes/campaign-routes.js';
import { contactRoutes } from './routes/contact-routes.js';
import { templateRoutes } from './routes/template-routes.js';
import { domainRoutes } from './routes/domain-routes.js';
import { presendCheckRoute } from './routes/presend-check.js';
import { segmentRoutes } from './routes/segment-routes.js';
import { suppressionRoutes } from './routes/suppression-routes.js';
import { deliverabilityRoute } from './routes/deliverability-route.js';
import { mailboxRoutes } from './routes/mailbox-routes.js';
import { trackingRoutes } from './routes/tracking-routes.js';
import { unsubscribeRoutes } from './routes/unsubscribe-routes.js';
import { oauthCallbackRoute, oauthStartRoute } from './routes/oauth-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { metricsRoute } from './routes/metrics-route.js';
import type { ReadinessOptions } from '../ops/readiness.js';

export interface HttpOptions {
  /** Largest request body accepted (default: config api.bodyLimitBytes, 30 MB); larger ones answer 413. */
  bodyLimit?: number;
  /** Requests per minute per API key (default: config api.rateLimitPerMinute). */
  rateLimitPerMinute?: number;
  /** The way into the spool, shared with the SMTP relay in `serve`; without it the API opens (and closes) its own. */
  intake?: SpoolIntake;
  /** For /readyz: whether this process's delivery worker runs (`workersRunning` null or absent: none runs here). */
  health?: ReadinessOptions;
}

export async function buildHttpApp(ctx: HttpContext, options: HttpOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }) as FastifyBaseLogger,
    // One line per request would outweigh the work of most requests; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? ctx.config.api.bodyLimitBytes,
    trustProxy: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.decorateRequest('user', null);
  app.decorateRequest('session', null);
  app.decorateRequest('apiKeyId', null);
  await app.register(fastifyCookie);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Postroom API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: pr_…' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });

  // Outside /api/v1 and without auth; before the other routes, so /metrics times them all.
  healthRoutes(app, ctx, options.health);
  metricsRoute(app, ctx);

  const authenticators = { apiKey: createKeyAuthenticator(ctx.store, ctx.clock), session: (token: string) => findSession(ctx, token) };
  // On SQLite, accepted messages are committed by a writer thread, so waiting for the disk does not stop other requests.
  const intake = options.intake ?? openSpoolIntake({ ...ctx, tracker: createMessageTracker(ctx.store, ctx.secrets) });
  const enqueuer = intake.enqueuer;
  const closing = new AbortController();
  // Live streams end and requests whose client went away finish writing before the database closes.
  app.addHook('preClose', () => closing.abort());
  app.addHook('onClose', async () => {
    if (options.intake) await enqueuer.drain();
    else await intake.close();
  });
  await app.register(
    async (api) => {
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      loginRoute(api, ctx);
      oauthCallbackRoute(api, ctx);
      await api.register(async (secured) => {
        secured.addHook('onRequest', authHook(authenticators));
        // Counted per API key (or session) once it is known, so one noisy client cannot starve the rest.
        await secured.register(fastifyRateLimit, {
          hook: 'preHandler',
          max: options.rateLimitPerMinute ?? ctx.config.api.rateLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request) => request.apiKeyId ?? request.session?.token.slice(0, 16) ?? request.ip,
          errorResponseBuilder: (_request, context) => new ApiError(429, 'rate_limited', `too many requests: at most ${context.max} a minute; try again in ${context.after}`),
        });
        sessionRoutes(secured, ctx);
        postMessageRoute(secured, enqueuer);
        listMessagesRoute(secured, ctx);
        getMessageRoute(secured, ctx);
        getMessageRawRoute(secured, ctx);
        getMessageAttachmentRoute(secured, ctx);
        changeMessageRoutes(secured, ctx);
        listEventsRoute(secured, ctx);
        streamEventsRoute(secured, ctx, closing.signal);
        listWebhooksRoute(secured, ctx);
        createWebhookRoute(secured, ctx);
        updateWebhookRoute(secured, ctx);
        deleteWebhookRoute(secured, ctx);
        listWebhookDeliveriesRoute(secured, ctx);
        listServersRoute(secured, ctx);
        getServerRoute(secured, ctx);
        createServerRoute(secured, ctx);
        updateServerRoute(secured, ctx);
        removeServerRoute(secured, ctx);
        testServerConnectionRoute(secured, ctx);
        oauthStartRoute(secured, ctx);
        getSettingsRoute(secured, ctx);
        updateSettingsRoute(secured, ctx);
        listUsersRoute(secured, ctx);
        createUserRoute(secured, ctx);
        listApiKeysRoute(secured, ctx);
        createApiKeyRoute(secured, ctx);
        revokeApiKeyRoute(secured, ctx);
        listSmtpCredentialsRoute(secured, ctx);
        createSmtpCredentialRoute(secured, ctx);
        revokeSmtpCredentialRoute(secured, ctx);
        getStatsRoute(secured, ctx);
        listSandboxMessagesRoute(secured, ctx);
        getSandboxMessageRoutes(secured, ctx);
        campaignRoutes(secured, ctx, closing.signal);
        contactRoutes(secured, ctx);
        templateRoutes(secured, ctx);
        segmentRoutes(secured, ctx);
        domainRoutes(secured, ctx);
        presendCheckRoute(secured, ctx);
        suppressionRoutes(secured, ctx);
        deliverabilityRoute(secured, ctx);
        mailboxRoutes(secured, ctx);
      });
    },
    { prefix: '/api/v1' },
  );
  trackingRoutes(app, ctx);
  unsubscribeRoutes(app, ctx);
  await registerWebUi(app);
  return app;
}
