import { describe, expect, expectTypeOf, test } from "vitest";
import { json, fakeFetch } from "../test/fakeFetch";
import {
  CONFIRM_NETWORK_RETRIES,
  RingLedgerApi,
  type BoutView,
  type EscrowConfirmOut,
  type EscrowConfirmRequest,
  type PayoutPrepareOut,
} from "./client";
import { HttpClient, memoryTokenStore } from "./http";

const BOUT = "2f0c5c0e-8f5a-4f0e-9a55-3f1c2b7d9e10";

function api(routes: Parameters<typeof fakeFetch>[0]) {
  const fake = fakeFetch(routes);
  const tokens = memoryTokenStore();
  const client = new RingLedgerApi(new HttpClient({ tokens, fetch: fake.fetch, retryDelayMs: 0 }));
  return { client, calls: fake.calls, tokens };
}

const evidence: EscrowConfirmRequest = {
  escrow_kind: "show_a",
  tx_hash: "A".repeat(64),
  offer_sequence: 7,
  validated: true,
  engine_result: "tesSUCCESS",
  owner_address: "rOwner",
  destination_address: "rDest",
  amount_drops: 5_000_000,
  finish_after_ripple: 100,
  cancel_after_ripple: null,
  condition_hex: null,
};

describe("RingLedgerApi", () => {
  test("login keeps the token for later requests", async () => {
    const { client, calls, tokens } = api({
      "POST /auth/login": () =>
        json(200, { access_token: "jwt-1", token_type: "bearer", expires_in: 3600 }),
      "GET /auth/me": () => json(200, { user_id: "u", email: "p@example.com", role: "promoter" }),
    });
    await client.login("p@example.com", "twelve chars!");
    expect(tokens.get()).toBe("jwt-1");
    await client.me();
    expect(calls[1]?.headers.get("Authorization")).toBe("Bearer jwt-1");
    client.logout();
    expect(tokens.get()).toBeNull();
  });

  test("fills path parameters", async () => {
    const { client, calls } = api({
      [`POST /bouts/${BOUT}/escrows/prepare`]: () => json(200, { bout_id: BOUT, escrows: [] }),
    });
    await client.prepareEscrows(BOUT);
    expect(calls[0]?.path).toBe(`/bouts/${BOUT}/escrows/prepare`);
  });

  test("a confirm sends its Idempotency-Key and resends the same key after a network failure", async () => {
    const answer: EscrowConfirmOut = {
      bout_id: BOUT,
      escrow_id: "e",
      escrow_kind: "show_a",
      escrow_status: "created",
      bout_status: "draft",
      tx_hash: "A".repeat(64),
      offer_sequence: 7,
    };
    const { client, calls } = api({
      [`POST /bouts/${BOUT}/escrows/confirm`]: [
        () => Promise.reject(new TypeError("network down")),
        () => json(200, answer),
      ],
    });
    await expect(client.confirmEscrow(BOUT, evidence, "key-123")).resolves.toEqual(answer);
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.headers.get("Idempotency-Key"))).toEqual([
      "key-123",
      "key-123",
    ]);
    expect(calls[0]?.body).toEqual(evidence);
    expect(CONFIRM_NETWORK_RETRIES).toBeGreaterThan(0);
  });

  test("money stays a JSON integer on the wire", async () => {
    const { client, calls } = api({
      [`POST /bouts/${BOUT}/escrows/confirm`]: () =>
        json(422, { detail: "x", code: "invalid_confirmation" }),
    });
    await expect(client.confirmEscrow(BOUT, evidence, "k")).rejects.toThrow();
    expect(typeof (calls[0]?.body as { amount_drops: unknown }).amount_drops).toBe("number");
  });

  test("list bouts passes the filter and cursor", async () => {
    const { client, calls } = api({
      "GET /bouts": () => json(200, { items: [], next_cursor: null }),
    });
    await client.bouts({ status: "closed", limit: 20, cursor: "abc" });
    expect(calls[0]?.url).toBe("/bouts?status=closed&limit=20&cursor=abc");
  });

  test("answers are typed from the OpenAPI document", () => {
    expectTypeOf<Awaited<ReturnType<RingLedgerApi["bout"]>>>().toEqualTypeOf<BoutView>();
    expectTypeOf<
      Awaited<ReturnType<RingLedgerApi["preparePayouts"]>>
    >().toEqualTypeOf<PayoutPrepareOut>();
    expectTypeOf<
      Parameters<RingLedgerApi["confirmEscrow"]>[1]
    >().toEqualTypeOf<EscrowConfirmRequest>();
    expectTypeOf<BoutView["escrows"][number]["amount_drops"]>().toEqualTypeOf<number | null>();
  });
});
