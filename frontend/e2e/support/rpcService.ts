/**
 * A second RingLedger backend for the ledger's side of the story: `XRPL_MODE=rpc` against the
 * local XRPL node stand-in (stub Xaman), its own embedded database, a 5-second signing window so
 * a bout can reach FinishAfter within the run. The tests set bouts up through the service's API
 * (the console's own typed client, from Node), have accounts the node holds sign on the ledger,
 * and run the reconcile worker once when the service should learn what the ledger did; the
 * browser then shows the result.
 */

import {
  RingLedgerApi,
  type BoutView,
  type CreateBoutRequest,
  type Role,
} from "../../src/api/client";
import { HttpClient, memoryTokenStore } from "../../src/api/http";
import { hashOnlyConfirm } from "../../src/lib/evidence";
import { newIdempotencyKey } from "../../src/lib/random";
import { startBackend, type Backend } from "./backend";
import { PASSWORD } from "./flows";
import { startLedgerNode, type LedgerNode } from "./ledgerNode";

/** A token the rpc backend allows (`RINGLEDGER_TOKENS`), issued by an account of the node's. */
export interface RpcToken {
  label: string;
  currency: string;
  issuer: string;
}

export interface RpcService {
  backend: Backend;
  node: LedgerNode;
  token: RpcToken;
  /** One `ringledger reconcile` pass, as cron runs it; its output. */
  reconcile(): Promise<string>;
  stop(): Promise<void>;
}

export async function startRpcService(): Promise<RpcService> {
  const node = await startLedgerNode();
  let backend: Backend;
  let token: RpcToken;
  try {
    // The issuer exists on the node before the service starts: RINGLEDGER_TOKENS names it.
    const issuer = await node.wallet("issuer", { allowTrustLineLocking: true });
    token = { label: "USD", currency: "USD", issuer };
    backend = await startBackend({
      logName: "backend-rpc.log",
      settings: {
        XRPL_MODE: "rpc",
        XRPL_RPC_URL: node.rpcUrl,
        XRPL_NETWORK: "TESTNET",
        // The worker looks every due escrow up on each pass, not once per 10 minutes.
        RINGLEDGER_LEDGER_WATCH_INTERVAL: "0s",
        RINGLEDGER_MIN_SIGNING_WINDOW: "5s",
        RINGLEDGER_TOKENS: JSON.stringify([token]),
      },
    });
  } catch (error) {
    await node.stop();
    throw error;
  }
  return {
    backend,
    node,
    token,
    reconcile: () => backend.command(["reconcile", "--rate", "60000", "--backoff", "0"]),
    stop: async () => {
      await backend.stop();
      await node.stop();
    },
  };
}

/** A new account of the service, signed in through its API. */
export async function accountOf(
  baseUrl: string,
  email: string,
  role: Exclude<Role, "admin">,
): Promise<RingLedgerApi> {
  const api = new RingLedgerApi(new HttpClient({ tokens: memoryTokenStore(), baseUrl }));
  await api.register({ email, password: PASSWORD, role });
  await api.login(email, PASSWORD);
  return api;
}

/** A fighter with a profile whose address is a wallet of the node's; their user id. */
export async function fighterOf(
  service: RpcService,
  fighter: { email: string; name: string; wallet: string },
): Promise<string> {
  const api = await accountOf(service.backend.baseUrl, fighter.email, "fighter");
  const address = await service.node.wallet(fighter.wallet);
  const profile = await api.saveMyProfile({ display_name: fighter.name, xrpl_address: address });
  return profile.user_id;
}

/** A promoter's account, and the node's wallet that owns their escrows. */
export interface Promoter {
  api: RingLedgerApi;
  wallet: string;
  address: string;
}

/** An instant as the API writes it (whole seconds, UTC). */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Create a bout and lock its four purses: the promoter's wallet signs each prepared EscrowCreate
 * and the node validates it; the signature is reported as the stub wallet reports it, and the
 * service confirms the escrow from the ledger (the hash is all it needs).
 */
export async function fundedBout(
  service: RpcService,
  promoter: Promoter,
  plan: Omit<
    CreateBoutRequest,
    "promoter_xrpl_address" | "show_a_drops" | "show_b_drops" | "bonus_a_drops" | "bonus_b_drops"
  >,
): Promise<BoutView> {
  const bout = await promoter.api.createBout({
    ...plan,
    promoter_xrpl_address: promoter.address,
    show_a_drops: 5_000_000,
    show_b_drops: 4_500_000,
    bonus_a_drops: 2_250_000,
    bonus_b_drops: 1_000_001,
  });
  const prepared = await promoter.api.prepareEscrows(bout.bout_id);
  for (const item of prepared.escrows) {
    const { tx_hash } = await service.node.submit(promoter.wallet, item.unsigned_tx);
    await promoter.api.reconcileEscrowSigning(bout.bout_id, {
      escrow_kind: item.escrow_kind,
      payload_id: item.xaman_sign_request.payload_id,
      observed_status: "signed",
      observed_tx_hash: tx_hash,
    });
    const body = hashOnlyConfirm(item.escrow_kind, tx_hash);
    await promoter.api.confirmEscrow(bout.bout_id, body, newIdempotencyKey());
  }
  return promoter.api.bout(bout.bout_id);
}
