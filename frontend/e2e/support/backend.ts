/**
 * A real RingLedger backend for one test run: `ringledger serve` on a free port, on a fresh
 * embedded database, with stub Xaman and a stub ledger unless told otherwise, serving the built
 * console at `/`.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { distDir, outputDir, repoRoot, ringledgerBin } from "./paths";

export interface Backend {
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  createAdmin(email: string, password: string): Promise<void>;
  /** Run a `ringledger` command with the service's environment (its database); its output. */
  command(args: string[], stdin?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface BackendOptions {
  /** Settings on top of the defaults, e.g. `XRPL_MODE: "rpc"`. */
  settings?: Record<string, string>;
  /** The log file's name in test-output (default `backend.log`). */
  logName?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function backendEnv(dataDir: string, settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RINGLEDGER_ENV: "test",
    RINGLEDGER_PASSWORD_HASHING: "fast",
    RINGLEDGER_DATA_DIR: dataDir,
    RINGLEDGER_WEB_DIR: distDir,
    XAMAN_MODE: "stub",
    XRPL_MODE: "stub",
    // Every account of the run registers from 127.0.0.1; the hourly per-address limit is the
    // service's business, not what these tests are about.
    RINGLEDGER_REGISTER_MAX_PER_CLIENT: "1000000",
    ...settings,
  };
  // The run must use its own embedded database, never one configured in the shell.
  delete env.DATABASE_URL;
  return env;
}

async function waitForHealth(
  baseUrl: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ringledger serve exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`ringledger serve did not answer /healthz within ${timeoutMs} ms`);
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(" ")} failed (${code}): ${output}`)),
    );
    child.stdin.end(stdin);
  });
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The database server this run started, if the service left it behind (first line of postmaster.pid). */
async function stopEmbeddedPostgres(pgdata: string): Promise<void> {
  const pidFile = path.join(pgdata, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  process.kill(pid, "SIGINT"); // PostgreSQL's "fast" shutdown
  for (let waited = 0; waited < 15_000 && processAlive(pid); waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function startBackend(options: BackendOptions = {}): Promise<Backend> {
  if (!existsSync(ringledgerBin)) {
    throw new Error(`${ringledgerBin} not found; set RINGLEDGER_VENV to the backend's virtualenv`);
  }
  if (!existsSync(path.join(distDir, "index.html"))) {
    throw new Error("frontend/dist is missing; run `npm run build` first");
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ringledger-e2e-"));
  const env = backendEnv(dataDir, options.settings ?? {});
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = createWriteStream(path.join(outputDir, options.logName ?? "backend.log"));
  // Its own process group, so stopping it also reaches anything it started.
  const child = spawn(ringledgerBin, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      // SIGINT, not SIGTERM: uvicorn re-raises the signal it stopped on, and only an interrupt
      // lets Python run its exit hooks, which is where the embedded PostgreSQL is shut down.
      process.kill(-child.pid, "SIGINT");
      if (!(await exited(child, 30_000))) process.kill(-child.pid, "SIGKILL");
    }
    await stopEmbeddedPostgres(path.join(dataDir, "postgres"));
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseUrl, child, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const command = (args: string[], stdin = "") => run(ringledgerBin, args, env, stdin);
  return {
    baseUrl,
    env,
    stop,
    command,
    createAdmin: async (email, password) => {
      await command(
        ["users", "create-admin", "--email", email, "--password-stdin"],
        `${password}\n`,
      );
    },
  };
}
