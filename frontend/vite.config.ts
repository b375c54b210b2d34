import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The API shares the console's origin in production; in development Vite forwards these
// prefixes to a running `ringledger serve` (override with RINGLEDGER_API_URL).
const apiTarget = process.env.RINGLEDGER_API_URL ?? "http://127.0.0.1:8000";
const apiPrefixes = [
  "/auth",
  "/bouts",
  "/fighters",
  "/meta",
  "/healthz",
  "/readyz",
  "/openapi.json",
];

export default defineConfig({
  plugins: [react()],
  // No source maps: served beside the assets they would publish the console's source.
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    port: 5173,
    proxy: Object.fromEntries(apiPrefixes.map((prefix) => [prefix, { target: apiTarget }])),
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
