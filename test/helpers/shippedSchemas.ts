/**
 * The shipped JSON Schemas (schemas/) in ajv, a full draft 2020-12 validator, and a check
 * that an output both validates and keeps the naming rule (outputNaming.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { namingViolations } from './outputNaming.js';

export const schemaDir = resolve(__dirname, '../../schemas');
// Strict about unknown keywords; subschemas of if/then refine an object typed above them.
const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
for (const f of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')))
  ajv.addSchema(JSON.parse(readFileSync(resolve(schemaDir, f), 'utf8')) as object, f);

/** The validator of one shipped schema, by file name (`result.schema.json`). */
export const validator = (name: string): ValidateFunction => ajv.getSchema(name)!;

/** Validates and checks the naming rule; says which paths failed (the message vitest prints). */
export function checkOutput(name: string, value: unknown, what: string): void {
  const v = validator(name);
  const ok = v(value);
  expect(
    ok
      ? []
      : (v.errors ?? []).slice(0, 5).map((e) => `${what}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`),
  ).toEqual([]);
  expect(namingViolations(value, what).slice(0, 5)).toEqual([]);
}
