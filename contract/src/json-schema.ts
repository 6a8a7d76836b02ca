/*
 * Builders for the object schemas the contract repeats. Payload objects are closed
 * (docs/design.md §2: additionalProperties false); the few open ones keep a newer app's keys
 * (docs/sync-protocol.md "Compatibility"). Building both here keeps each rule in one place, and
 * the compiler checks that every `required` name is a declared property.
 */

type Properties = Record<string, unknown>;

interface ObjectSchema<A extends boolean, P extends Properties> {
  readonly type: "object";
  readonly additionalProperties: A;
  readonly properties: P;
}

/** Builds an object schema from its properties, optionally preceded by the required ones. */
interface ObjectBuilder<A extends boolean> {
  <const P extends Properties>(properties: P): ObjectSchema<A, P>;
  <const R extends readonly string[], const P extends Properties>(
    required: R & readonly (keyof P & string)[],
    properties: P,
  ): ObjectSchema<A, P> & { readonly required: R };
}

function objectSchema<A extends boolean>(additionalProperties: A): ObjectBuilder<A> {
  // Key order as written by hand before: type, additionalProperties, required, properties.
  return ((first: readonly string[] | Properties, second?: Properties) =>
    Array.isArray(first)
      ? { type: "object", additionalProperties, required: first, properties: second }
      : { type: "object", additionalProperties, properties: first }) as ObjectBuilder<A>;
}

/** A closed object schema: exactly `properties`, the `required` ones present. */
export const closedObject = objectSchema(false);
/** An open object schema: `properties` and any other keys, the `required` ones present. */
export const openObject = objectSchema(true);
