import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface.js';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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
