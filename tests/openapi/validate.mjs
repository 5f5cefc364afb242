// Validates the OpenAPI document with @readme/openapi-parser: the OpenAPI 3 JSON schema plus the
// checks the schema cannot express (every $ref resolves, unique operationIds, path parameters
// declared, no duplicate parameters). Two broken copies of the same document must be refused
// too, so a validator that accepts everything fails this test instead of passing it.
//
//   node validate.mjs path/to/openapi.json
import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';

const path = process.argv[2];
if (!path) {
  console.error('usage: node validate.mjs path/to/openapi.json');
  process.exit(2);
}
const text = readFileSync(path, 'utf8');
// validate() dereferences the object it is given: each check gets its own copy.
const fresh = () => JSON.parse(text);

let failed = 0;
const check = async (name, doc, wantValid) => {
  let result;
  try {
    result = await validate(doc);
  } catch (error) {
    result = { valid: false, errors: [{ message: String(error?.message ?? error) }], warnings: [] };
  }
  const ok = result.valid === wantValid;
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${name} (${result.valid ? 'valid' : 'refused'})`);
  if (!result.valid && wantValid) console.log(compileErrors(result));
  for (const warning of result.warnings ?? []) console.log(`warning: ${warning.message}`);
};

await check(`${path} is a valid OpenAPI ${fresh().openapi} document`, fresh(), true);

const noDescription = fresh();
const firstPath = Object.values(noDescription.paths)[0];
const firstOperation = Object.values(firstPath)[0];
delete Object.values(firstOperation.responses)[0].description;
await check('a copy with a response lacking its description is refused', noDescription, false);

const danglingRef = fresh();
danglingRef.components.schemas.Job = { $ref: '#/components/schemas/NoSuchSchema' };
await check('a copy with a $ref to a missing schema is refused', danglingRef, false);

console.log(`${3 - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
