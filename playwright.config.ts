import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://localhost:${PORT}`;

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: {
    // A fresh embedded database every run; the build is reused when the sources did not change.
    command: `rm -rf .data-e2e && mkdir -p .data-e2e && node scripts/start.mjs`,
    url: `${baseURL}/api/health?ready=1`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      PATCHBAY_DATA_DIR: ".data-e2e",
      AUTH_URL: baseURL,
      PATCHBAY_ALLOW_PRIVATE_EGRESS: "true",
      // Debug level so the canary test also searches everything the server could log.
      LOG_LEVEL: "debug",
      PATCHBAY_SERVER_LOG: ".data-e2e/server.log",
    },
  },
});
