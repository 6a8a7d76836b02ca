import { Ajv } from "ajv";
import type { Options } from "ajv";
import { diagnosisRequestSchema, imageUploadRequestSchema } from "./case-images";
import { infoRequestBodySchema } from "./review";
import { ALL_SCHEMAS } from "./schemas";
import { chwWebConfigSchema, consoleConfigSchema } from "./web-config";

/*
 * Every schema validate.ts compiles, and the one Ajv configuration they are compiled with. Two
 * builds use it: compiled.ts compiles them at start-up (server, Node tests, the native app),
 * and the CHW web build turns the same instance into standalone code (Ajv's `standaloneCode`)
 * so the browser downloads the generated validators without Ajv's compiler.
 */

/** The schemas behind validate.ts's validators. */
export const VALIDATED_SCHEMAS: readonly { $id: string }[] = [
  ...ALL_SCHEMAS,
  imageUploadRequestSchema,
  diagnosisRequestSchema,
  infoRequestBodySchema,
  consoleConfigSchema,
  chwWebConfigSchema,
];

// allErrors off (first error stops validation: cheaper and no error amplification), no $data,
// strict mode so a typo in a schema fails at start-up.
const OPTIONS: Options = { allErrors: false, $data: false, strict: true, allowUnionTypes: true };

/** One Ajv instance holding every validated schema; `extra` for a build's own options. */
export function validatorAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ ...OPTIONS, ...extra });
  for (const schema of VALIDATED_SCHEMAS) ajv.addSchema(schema);
  return ajv;
}
