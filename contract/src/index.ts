export * from "./roles";
export * from "./manifest";
