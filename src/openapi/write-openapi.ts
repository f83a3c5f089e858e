import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, renderOpenApi } from './openapi';

/** npm run openapi:write: regenerates the committed openapi.json at the repository root. */
generateOpenApiDocument().then(
  (doc) => {
    const target = resolve(__dirname, '../../openapi.json');
    writeFileSync(target, renderOpenApi(doc));
    process.stdout.write(`wrote ${target}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`could not generate the OpenAPI document: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
