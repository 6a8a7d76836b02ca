import standaloneCode from "ajv/dist/standalone/index.js";
import { VALIDATED_SCHEMAS, validatorAjv } from "./validator-registry";

/**
 * ES module source with the same `compiled(schema)` as compiled.ts, answering each registered
 * `$id` with Ajv's standalone code for it: the validators generated ahead of time, for a build
 * that should ship neither Ajv's compiler nor a compile at start-up (the CHW web build). Lives
 * here so that the Ajv copy that generates the code is the one that built the instance.
 */
export function standaloneValidatorsSource(): string {
  const ajv = validatorAjv({ code: { source: true, esm: true } });
  const names: Record<string, string> = {};
  VALIDATED_SCHEMAS.forEach((s, i) => (names[`v${i}`] = s.$id));
  const byId = VALIDATED_SCHEMAS.map((s, i) => `${JSON.stringify(s.$id)}: v${i}`).join(", ");
  return `${standaloneCode(ajv, names)}
const byId = { ${byId} };
export function compiled(schema) {
  const fn = byId[schema.$id];
  if (!fn) throw new Error("schema " + schema.$id + " is not registered");
  return fn;
}
`;
}
