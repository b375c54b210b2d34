/**
 * Where the browser opens the console. Normally the backend itself serves frontend/dist at `/`
 * (that is what is under test). RINGLEDGER_E2E_CONSOLE=vite instead serves dist with Vite's
 * preview server and forwards the API paths to the backend, for diagnosing a backend that does
 * not serve static files.
 */

import { preview, type PreviewServer } from "vite";
import { distDir, frontendDir } from "./paths";
import { freePort } from "./backend";
import { CONSOLE_CSP } from "./csp";

export interface ConsoleSite {
  url: string;
  close(): Promise<void>;
}

const API_PREFIXES = [
  "/auth",
  "/bouts",
  "/fighters",
  "/meta",
  "/healthz",
  "/readyz",
  "/openapi.json",
];

async function servedByBackend(baseUrl: string): Promise<ConsoleSite> {
  let problem: string;
  try {
    const response = await fetch(`${baseUrl}/`);
    const html = await response.text();
    if (response.ok && html.includes('<div id="root">')) {
      return { url: `${baseUrl}/`, close: async () => undefined };
    }
    problem = `HTTP ${response.status} with ${html.length} bytes of body`;
  } catch (error) {
    problem = `${String(error)}${error instanceof Error && error.cause ? ` (${String(error.cause)})` : ""}`;
  }
  throw new Error(
    `the backend does not serve the console at / (${problem}); ` +
      "RINGLEDGER_E2E_CONSOLE=vite runs the browser flow through Vite's preview server instead",
  );
}

async function servedByVite(baseUrl: string): Promise<ConsoleSite> {
  const port = await freePort();
  const server: PreviewServer = await preview({
    root: frontendDir,
    configFile: false,
    logLevel: "warn",
    build: { outDir: distDir },
    preview: {
      host: "127.0.0.1",
      port,
      strictPort: true,
      // The same policy the backend sends, so the console is tested under it either way.
      headers: { "Content-Security-Policy": CONSOLE_CSP },
      proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, { target: baseUrl }])),
    },
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.httpServer.close(() => resolve())),
  };
}

export function openConsole(baseUrl: string): Promise<ConsoleSite> {
  return process.env.RINGLEDGER_E2E_CONSOLE === "vite"
    ? servedByVite(baseUrl)
    : servedByBackend(baseUrl);
}
