import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, renderOpenApi } from '../../src/openapi/openapi';

describe('OpenAPI document', () => {
  it('should match the committed openapi.json (run `npm run openapi:write` after changing the API)', async () => {
    const committed = readFileSync(resolve(__dirname, '../../openapi.json'), 'utf8');
    const generated = renderOpenApi(await generateOpenApiDocument());
    expect(JSON.parse(generated)).toEqual(JSON.parse(committed));
    expect(generated).toBe(committed);
  });
});
