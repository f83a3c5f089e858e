import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { OPENAPI_PATH } from '../support/openapi-validator';

type Node = Record<string, unknown>;
interface Example {
  where: string;
  schema: Node;
  value: unknown;
}

const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Node & { components: Node };
const isNode = (value: unknown): value is Node => !!value && typeof value === 'object' && !Array.isArray(value);

/** Every example in the document with the schema it must satisfy: schema `example`s, media types' and parameters' examples. */
function examplesIn(node: unknown, where: string, found: Example[] = []): Example[] {
  if (Array.isArray(node)) node.forEach((child, i) => examplesIn(child, `${where}[${i}]`, found));
  if (!isNode(node)) return found;
  const schema = isNode(node.schema) ? node.schema : undefined;
  if (schema && 'example' in node) found.push({ where: `${where}.example`, schema, value: node.example });
  if (schema && isNode(node.examples))
    for (const [name, example] of Object.entries(node.examples))
      if (isNode(example) && 'value' in example) found.push({ where: `${where}.examples.${name}`, schema, value: example.value });
  const looksLikeSchema = typeof node.type === 'string' || Array.isArray(node.type) || 'properties' in node || '$ref' in node;
  if (looksLikeSchema && 'example' in node) {
    const { example, ...rest } = node;
    found.push({ where: `${where} (schema example)`, schema: rest, value: example });
  }
  for (const [key, child] of Object.entries(node)) if (key !== 'example' && key !== 'examples') examplesIn(child, `${where}.${key}`, found);
  return found;
}

describe('Examples in the published OpenAPI document', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  ajv.addSchema({ components: doc.components }, 'openapi.json');
  const rebase = (schema: Node): Node =>
    JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi.json#/components/')) as Node;
  const examples = examplesIn({ paths: doc.paths, webhooks: doc.webhooks, components: doc.components }, '');

  it('should have examples to check', () => {
    expect(examples.length).toBeGreaterThan(100);
  });

  it('should have every example valid against its schema', () => {
    const invalid = examples.flatMap(({ where, schema, value }) => {
      const validate = ajv.compile(rebase(schema));
      return validate(value) ? [] : [`${where}: ${ajv.errorsText(validate.errors)}`];
    });
    expect(invalid).toEqual([]);
  });
});
