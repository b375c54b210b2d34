/** Render a screen inside a session whose API answers from a scripted fetch. */

import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { RingLedgerApi, type Meta, type UserOut } from "../api/client";
import { HttpClient, sessionTokenStore } from "../api/http";
import { SessionProvider } from "../session";
import { fakeFetch, json, type Responder } from "./fakeFetch";

export const STUB_META: Meta = {
  environment: "test",
  xaman_mode: "stub",
  xrpl_mode: "stub",
  xrpl_network: "TESTNET",
  min_signing_window_seconds: 900,
  xrpl_base_fee_drops: 10,
};

export const PROMOTER: UserOut = {
  user_id: "11111111-1111-4111-8111-111111111111",
  email: "p@example.com",
  role: "promoter",
};
export const ADMIN: UserOut = {
  user_id: "22222222-2222-4222-8222-222222222222",
  email: "a@example.com",
  role: "admin",
};
export const FIGHTER: UserOut = {
  user_id: "33333333-3333-4333-8333-333333333333",
  email: "f@example.com",
  role: "fighter",
};

interface Options {
  user?: UserOut | null;
  meta?: Meta;
  routes?: Record<string, Responder | Responder[]>;
}

export function renderWithSession(ui: ReactElement, options: Options = {}) {
  const user = options.user === undefined ? PROMOTER : options.user;
  if (user) sessionStorage.setItem("ringledger.access_token", "test-token");
  const fake = fakeFetch({
    "GET /meta": () => json(200, options.meta ?? STUB_META),
    ...(user ? { "GET /auth/me": () => json(200, user) } : {}),
    ...options.routes,
  });
  const built: { api?: RingLedgerApi } = {};
  // Built the way the console builds it, so a 401 ends the session as it would in the browser.
  const build = (onUnauthorized: () => void) =>
    (built.api = new RingLedgerApi(
      new HttpClient({
        tokens: sessionTokenStore(),
        fetch: fake.fetch,
        retryDelayMs: 0,
        onUnauthorized,
      }),
    ));
  const view = render(<SessionProvider api={build}>{ui}</SessionProvider>);
  if (!built.api) throw new Error("the session did not build its API client");
  return { ...view, calls: fake.calls, api: built.api };
}
