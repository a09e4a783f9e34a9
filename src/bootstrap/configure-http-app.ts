import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { INestApplication } from '@nestjs/common';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface.js';
import {
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { AppConfig } from '../config/config.schema.js';
import { API_KEY_HEADER } from '../management/http/api-key.guard.js';
import type { AppLogger } from './logger.js';
import { requestContext } from './request-id.js';
import { APP_CONFIG } from '../core/core-handles.js';
import { SERVICE_VERSION } from '../http/version.js';

/**
 * TLS for both ports from mgmt_tls_config. With a client CA the server asks
 * for a certificate but does not refuse the handshake without one: kubelet
 * probes carry none, so certificates are checked per route (see
 * `requireClientCertificate`).
 */
export function httpsOptionsFrom(config: AppConfig): HttpsOptions | undefined {
  const tls = config.mgmt_tls_config;
  if (!tls.tls_enable) return undefined;
  const ca = tls.ca_cert !== '' ? readFileSync(tls.ca_cert) : undefined;
  return {
    cert: readFileSync(tls.tls_cert),
    key: readFileSync(tls.tls_key),
    ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}),
  };
}

type Builder = DocumentBuilder;

/** The security schemes of each port (see the guards). */
export const SECURITY_SCHEMES: Readonly<
  Record<'management' | 'observability', (b: Builder) => Builder>
> = {
  management: (b) =>
    b
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: API_KEY_HEADER,
          description: 'api_config.mgmt_api_key, when set',
        },
        'api-key',
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          description: 'the same API key as a bearer token',
        },
        'api-key-bearer',
      ),
  observability: (b) =>
    b.addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'api_config.metrics_bearer_token, when set',
      },
      'metrics-bearer',
    ),
};

/**
 * Operations that name no scheme are open (probes, index, docs): they say so
 * with `security: []`.
 */
function markOpenOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of [
      'get',
      'put',
      'post',
      'delete',
      'patch',
      'head',
      'options',
    ] as const) {
      const op = item[method];
      if (op && op.security === undefined) op.security = [];
    }
  }
}

/** Routes kubelet probes call: they answer without a client certificate. */
export const PROBE_PATHS: ReadonlySet<string> = new Set([
  '/startup',
  '/liveness',
  '/readiness',
  '/health',
]);

/**
 * With a client CA, every route but the probes needs a certificate the CA
 * signed: 401 otherwise. Runs before routing, so nothing else sees the request.
 */
function requireClientCertificate(
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
): void {
  const path = (req.url ?? '/').split('?')[0]!;
  if (PROBE_PATHS.has(path) || (req.socket as TLSSocket).authorized) {
    next();
    return;
  }
  res.statusCode = 401;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      status: 'error',
      message:
        'a client certificate signed by mgmt_tls_config.ca_cert is required (probes excepted)',
    }),
  );
}

/**
 * Deliberate socket timeouts (Node's defaults keep a connection that sends a
 * 1-byte body open for 300 s): headers and the whole request must arrive in
 * time, idle keep-alive connections are closed. Expiry is checked every
 * second, not every 30 s, so the timeouts hold to about a second.
 */
export function applyServerTimeouts(server: Server, config: AppConfig): void {
  const api = config.api_config;
  server.headersTimeout = api.http_headers_timeout_seconds * 1000;
  server.requestTimeout = api.http_request_timeout_seconds * 1000;
  server.keepAliveTimeout = api.http_keep_alive_timeout_seconds * 1000;
  // Read when the server starts listening.
  (
    server as unknown as { connectionsCheckingInterval: number }
  ).connectionsCheckingInterval = Math.min(1000, server.headersTimeout);
}

/** Swagger UI at /docs and the OpenAPI document at /docs-json, per port. */
export function setupSwagger(
  app: INestApplication,
  port: 'management' | 'observability',
  title: string,
  description: string,
): void {
  const builder = SECURITY_SCHEMES[port](
    new DocumentBuilder()
      .setTitle(title)
      .setDescription(description)
      .setVersion(SERVICE_VERSION)
      // Relative: the document describes the port (and scheme) it is served on.
      .addServer('/', 'this port'),
  );
  const document = SwaggerModule.createDocument(app, builder.build());
  markOpenOperations(document);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: title,
  });
}

/** Settings both HTTP apps share; the request context comes first. */
export function configureHttpApp(
  app: INestApplication,
  logger: AppLogger | undefined,
): void {
  app.use(requestContext(logger));
  const server = app.getHttpAdapter().getInstance() as {
    disable(setting: string): void;
    set(setting: string, value: unknown): void;
  };
  server.disable('x-powered-by');
  server.set('etag', false);
  const config = app.get<AppConfig>(APP_CONFIG, { strict: false });
  applyServerTimeouts(app.getHttpServer() as Server, config);
  const tls = config.mgmt_tls_config;
  if (tls.tls_enable && tls.ca_cert !== '') app.use(requireClientCertificate);
}
