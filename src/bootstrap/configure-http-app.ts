import { readFileSync } from 'node:fs';
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
import { SERVICE_VERSION } from './version.js';

/** TLS for both ports from mgmt_tls_config (client certificates when a CA is set). */
export function httpsOptionsFrom(config: AppConfig): HttpsOptions | undefined {
  const tls = config.mgmt_tls_config;
  if (!tls.tls_enable) return undefined;
  const ca = tls.ca_cert !== '' ? readFileSync(tls.ca_cert) : undefined;
  return {
    cert: readFileSync(tls.tls_cert),
    key: readFileSync(tls.tls_key),
    ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}),
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
}
