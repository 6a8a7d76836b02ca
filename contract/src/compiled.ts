import type { ValidateFunction } from "ajv";
import { validatorAjv } from "./validator-registry";

// The validators compiled at start-up. The CHW web build replaces this module with Ajv's
// standalone code for the same schemas and options (mobile/web/precompiled-validators.ts).
const ajv = validatorAjv();

/** The compiled validator of the registered schema `$id`. */
export function compiled<T>(schema: { $id: string }): ValidateFunction<T> {
  const fn = ajv.getSchema<T>(schema.$id);
  if (!fn) throw new Error(`schema ${schema.$id} is not registered`);
  return fn;
}
