import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { INestApplication } from '@nestjs/common';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface.js';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/config.schema.js';
import { API_KEY_HEADER } from '../management/http/api-key.guard.js';
import { APP_CONFIG } from './core-handles.js';
import { SERVICE_VERSION } from './version.js';

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
  title: string,
  description: string,
  withApiKey: boolean,
): void {
  let builder = new DocumentBuilder()
    .setTitle(title)
    .setDescription(description)
    .setVersion(SERVICE_VERSION);
  if (withApiKey) {
    builder = builder.addApiKey(
      { type: 'apiKey', in: 'header', name: API_KEY_HEADER },
      'api-key',
    );
  }
  const document = SwaggerModule.createDocument(app, builder.build());
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: title,
  });
}

/** Settings both HTTP apps share (before listen). */
export function configureHttpApp(app: INestApplication): void {
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
