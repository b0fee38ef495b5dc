export * from "./auth";
export * from "./tenancy";
export * from "./audit";
export * from "./integrations";
export * from "./api-tokens";
export * from "./oauth";
export * from "./network";
export * from "./catalog";
