import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument, createFastifyAdapter } from '../app.factory';
import { AppModule } from '../app.module';
import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/env.schema';

/** Sorts object keys recursively so the committed document diffs cleanly. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/**
 * Generates the OpenAPI document without connecting to anything: the app is created in preview
 * mode (modules resolved, no providers instantiated), so no database, cache or ESR endpoint is needed.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(AppConfig.from(validateEnvironment({ LOG_LEVEL: 'silent' }))),
    createFastifyAdapter(),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
  try {
    return sortKeys(buildOpenApiDocument(app)) as OpenAPIObject;
  } finally {
    await app.close();
  }
}

export const renderOpenApi = (doc: OpenAPIObject): string => `${JSON.stringify(doc, null, 2)}\n`;
