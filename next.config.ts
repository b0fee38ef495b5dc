import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite loads its wasm and data files from its own package folder at run time; bundling breaks that.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "pino", "nodemailer", "undici", "prom-client", "oidc-provider", "pg-boss", "cockatiel", "pg-copy-streams"],
  poweredByHeader: false,
  typedRoutes: false,
  // `npm test` type-checks the whole project (`npm run typecheck`, tsc --noEmit) before any build; the build
  // does not do it again. That is about 50 s off every first `npm start` and off CI's e2e build.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
