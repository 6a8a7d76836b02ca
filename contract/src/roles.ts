/** Roles carried in the `role` custom claim (docs/design.md §4). Anything else counts as no role. */
export const ROLES = ["chw", "doctor", "admin"] as const;

/** One of the three roles. */
export type Role = (typeof ROLES)[number];

/** Narrows an unknown claim value to a Role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
