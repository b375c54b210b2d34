/**
 * The backend's local XRPL node stand-in (`python -m tests.support.e2e_ledger`) as a process of
 * this run: the node's JSON-RPC API for `XRPL_MODE=rpc`, and its control API, through which the
 * tests have accounts it holds sign and submit transactions to its validated ledger.
 */

import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { backendDir, outputDir, pythonBin } from "./paths";

export interface Submitted {
  tx_hash: string;
  ledger_index: number;
  close_time: number;
}

export interface IssuerSettings {
  allowTrustLineLocking?: boolean;
  /** The issuer's TransferRate, e.g. 1002000000 for a 0.2% fee. */
  transferRate?: number;
}

export interface LedgerNode {
  /** What XRPL_RPC_URL holds. */
  rpcUrl: string;
  /**
   * A new account with a key of the node's; its address. `issuer` declares it a token issuer:
   * whose token may be locked in escrows, and with a transfer fee when given.
   */
  wallet(name: string, issuer?: IssuerSettings): Promise<string>;
  /**
   * The wallet signs `txJson` and the node validates it, in a ledger that closes after
   * `closeAfter` (ripple seconds) when given.
   */
  submit(wallet: string, txJson: Record<string, unknown>, closeAfter?: number): Promise<Submitted>;
  stop(): Promise<void>;
}

async function post<T>(url: string, body: object): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`${url}: ${response.status} ${answer.error ?? ""}`);
  return answer;
}

export async function startLedgerNode(): Promise<LedgerNode> {
  const log = createWriteStream(path.join(outputDir, "ledger-node.log"));
  // Its standard input stays open while this run lives: when it closes, the stand-in stops.
  const child = spawn(pythonBin, ["-m", "tests.support.e2e_ledger"], {
    cwd: backendDir,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    child.stdin.end();
    const gone = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    if (!gone) child.kill("SIGKILL");
    log.end();
  };

  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the ledger node did not start in 30 s")),
      30_000,
    );
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code) => reject(new Error(`the ledger node exited with ${code}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const { rpc_url: rpcUrl, control_url: control } = JSON.parse(first) as {
    rpc_url: string;
    control_url: string;
  };
  return {
    rpcUrl,
    stop,
    wallet: async (name, issuer = {}) => {
      const settings = {
        ...(issuer.allowTrustLineLocking ? { allow_trust_line_locking: true } : {}),
        ...(issuer.transferRate === undefined ? {} : { transfer_rate: issuer.transferRate }),
      };
      return (await post<{ address: string }>(`${control}/wallets`, { name, ...settings })).address;
    },
    submit: (wallet, txJson, closeAfter) =>
      post<Submitted>(`${control}/submit`, {
        wallet,
        tx_json: txJson,
        ...(closeAfter === undefined ? {} : { close_after: closeAfter }),
      }),
  };
}
