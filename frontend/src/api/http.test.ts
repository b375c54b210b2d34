import { describe, expect, test, vi } from "vitest";
import { json, fakeFetch } from "../test/fakeFetch";
import { ApiError } from "./errors";
import { HttpClient, memoryTokenStore, sessionTokenStore } from "./http";

function client(routes: Parameters<typeof fakeFetch>[0], token: string | null = "token-1") {
  const fake = fakeFetch(routes);
  const onUnauthorized = vi.fn();
  const http = new HttpClient({
    tokens: memoryTokenStore(token),
    fetch: fake.fetch,
    onUnauthorized,
    retryDelayMs: 0,
  });
  return { http, calls: fake.calls, onUnauthorized };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("requests", () => {
  test("send the bearer token, JSON headers and the body", async () => {
    const { http, calls } = client({ "POST /bouts": () => json(201, { ok: true }) });
    await expect(http.request("POST", "/bouts", { body: { title: "x" } })).resolves.toEqual({
      ok: true,
    });
    const [call] = calls;
    expect(call?.headers.get("Authorization")).toBe("Bearer token-1");
    expect(call?.headers.get("Content-Type")).toBe("application/json");
    expect(call?.headers.get("Accept")).toBe("application/json");
    expect(call?.body).toEqual({ title: "x" });
  });

  test("no token, no Authorization header; no body, no Content-Type", async () => {
    const { http, calls } = client({ "GET /meta": () => json(200, {}) }, null);
    await http.request("GET", "/meta");
    expect(calls[0]?.headers.has("Authorization")).toBe(false);
    expect(calls[0]?.headers.has("Content-Type")).toBe(false);
  });

  test("query parameters skip empty values", async () => {
    const { http, calls } = client({ "GET /bouts": () => json(200, { items: [] }) });
    await http.request("GET", "/bouts", {
      query: { status: "draft", cursor: null, limit: 20, other: "" },
    });
    expect(calls[0]?.url).toBe("/bouts?status=draft&limit=20");
  });

  test("the token lives in sessionStorage", () => {
    const store = sessionTokenStore();
    store.set("abc");
    expect(sessionStorage.getItem("ringledger.access_token")).toBe("abc");
    store.set(null);
    expect(store.get()).toBeNull();
  });
});

describe("errors become readable", () => {
  test("a refusal keeps what it names (extra fields of the body)", async () => {
    const { http } = client({
      "POST /bouts/b-1/withdraw": () =>
        json(409, {
          detail: "Money is locked in escrow for this bout.",
          code: "state_conflict",
          bout_status: "draft",
          escrow_kinds: ["show_a", 7, "bonus_b"],
          request_id: "r-1",
        }),
    });
    const error = await failure(http.request("POST", "/bouts/b-1/withdraw"));
    expect(error.detail).toBe("Money is locked in escrow for this bout.");
    expect(error.facts).toEqual({ bout_status: "draft", escrow_kinds: ["show_a", 7, "bonus_b"] });
    expect(error.factList("escrow_kinds")).toEqual(["show_a", "bonus_b"]);
    expect(error.factList("payload_ids")).toEqual([]);
    expect(error.factList("bout_status")).toEqual([]);
  });

  test("rate_limited uses Retry-After", async () => {
    const { http } = client({
      "POST /auth/login": () =>
        json(
          429,
          { detail: "Too many failed logins.", code: "rate_limited" },
          { "Retry-After": "42" },
        ),
    });
    const error = await failure(http.request("POST", "/auth/login", { body: {} }));
    expect(error.status).toBe(429);
    expect(error.retryAfterSeconds).toBe(42);
    // The general sentence: which throttle it was depends on the form (see CodeSentences).
    expect(error.headline).toBe("Too many attempts; try again in 42 seconds.");
    expect(error.lines).toEqual(["Too many attempts; try again in 42 seconds."]);
  });

  test("validation errors name each field", async () => {
    const { http } = client({
      "PUT /fighters/me": () =>
        json(422, {
          detail: "The request is not valid.",
          code: "validation_error",
          errors: [
            {
              field: "xrpl_address",
              message: "not a valid XRPL classic address",
              type: "value_error",
            },
          ],
        }),
    });
    const error = await failure(http.request("PUT", "/fighters/me", { body: {} }));
    expect(error.lines).toEqual([
      "Some fields are not valid.",
      "XRPL address: not a valid XRPL classic address",
    ]);
  });

  test("a confirm failure carries its failure code and the runbook's guidance", async () => {
    const { http } = client({
      "POST /bouts/b/escrows/confirm": () =>
        json(422, {
          detail: "The ledger rejected it with tecUNFUNDED_PAYMENT.",
          code: "ledger_tec_tem",
          failure_code: "ledger_tec_tem",
        }),
    });
    const error = await failure(http.request("POST", "/bouts/b/escrows/confirm", { body: {} }));
    expect(error.failureCode).toBe("ledger_tec_tem");
    expect(error.lines).toEqual([
      "The ledger rejected the transaction.",
      "The ledger rejected it with tecUNFUNDED_PAYMENT.",
      "The ledger rejected the transaction. Do not retry automatically; investigate the result code.",
    ]);
  });

  test("a body that is not ours is described by its status", async () => {
    const { http } = client({
      "GET /bouts": () => new Response("<html>Bad gateway</html>", { status: 502 }),
    });
    const error = await failure(http.request("GET", "/bouts"));
    expect(error.status).toBe(502);
    expect(error.lines[0]).toBe(
      "An outside service could not be reached. Nothing changed; try again shortly.",
    );
    expect(error.lines.join(" ")).not.toContain("<html>");
  });

  test("an unknown code falls back to the server's sentence", async () => {
    const { http } = client({
      "GET /x": () => json(409, { detail: "Something specific.", code: "new_code" }),
    });
    const error = await failure(http.request("GET", "/x"));
    expect(error.headline).toBe("Something specific.");
  });

  test("an expired session is reported once to the app", async () => {
    const { http, onUnauthorized } = client({
      "GET /auth/me": () => json(401, { detail: "Expired.", code: "token_expired" }),
      "POST /auth/login": () => json(401, { detail: "Wrong.", code: "credentials_invalid" }),
    });
    await failure(http.request("GET", "/auth/me"));
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    // A wrong password is not a lost session.
    await failure(http.request("POST", "/auth/login", { body: {} }));
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  test("only the three session codes end a session; a wrong current password does not", async () => {
    const refusals: Array<[number, string]> = [
      [401, "not_authenticated"],
      [401, "token_invalid"],
      [401, "token_expired"],
      [401, "credentials_invalid"],
      [403, "forbidden"],
      [422, "validation_error"],
      [429, "rate_limited"],
    ];
    const ended: string[] = [];
    for (const [status, code] of refusals) {
      const { http, onUnauthorized } = client({
        "POST /auth/password": () => json(status, { detail: "No.", code }),
      });
      await failure(http.request("POST", "/auth/password", { body: {} }));
      if (onUnauthorized.mock.calls.length > 0) ended.push(code);
    }
    expect(ended).toEqual(["not_authenticated", "token_invalid", "token_expired"]);
  });

  test("a refusal of a token the tab no longer holds ends nothing", async () => {
    let answer: (response: Response) => void = () => undefined;
    const { http, onUnauthorized } = client({
      "GET /auth/me": () => new Promise<Response>((resolve) => (answer = resolve)),
    });
    const pending = failure(http.request("GET", "/auth/me"));
    // Signed out (or signed in anew) while the request was on its way.
    http.tokens.set("token-2");
    answer(json(401, { detail: "Revoked.", code: "token_invalid" }));
    expect((await pending).code).toBe("token_invalid");
    expect(onUnauthorized).not.toHaveBeenCalled();

    // Nor does a 401 to a request sent without any token: there was no session to end.
    const anonymous = client(
      { "GET /auth/me": () => json(401, { detail: "No.", code: "not_authenticated" }) },
      null,
    );
    await failure(anonymous.http.request("GET", "/auth/me"));
    expect(anonymous.onUnauthorized).not.toHaveBeenCalled();
  });
});

describe("network failures", () => {
  test("are retried only when asked, with the identical request", async () => {
    const { http, calls } = client({
      "POST /c": [
        () => Promise.reject(new TypeError("Failed to fetch")),
        () => json(200, { done: true }),
      ],
    });
    const answer = await http.request("POST", "/c", {
      body: { a: 1 },
      headers: { "Idempotency-Key": "k-1" },
      networkRetries: 2,
    });
    expect(answer).toEqual({ done: true });
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.headers.get("Idempotency-Key"))).toEqual(["k-1", "k-1"]);
    expect(calls[0]?.body).toEqual(calls[1]?.body);
  });

  test("become a network_error in words", async () => {
    const { http, calls } = client({
      "GET /m": () => Promise.reject(new TypeError("Failed to fetch")),
    });
    const error = await failure(http.request("GET", "/m"));
    expect(calls).toHaveLength(1);
    expect(error.code).toBe("network_error");
    expect(error.headline).toBe(
      "The service could not be reached. Check your connection and try again.",
    );
  });
});
