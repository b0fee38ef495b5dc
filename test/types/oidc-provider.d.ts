// oidc-provider ships no types; tests use it only as a local OAuth server.
declare module "oidc-provider";
