import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite loads its wasm and data files from its own package folder at run time; bundling breaks that.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "pino", "nodemailer", "undici", "prom-client", "oidc-provider", "pg-boss", "cockatiel", "pg-copy-streams"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
