import { useEffect, useRef } from "react";
import type { ReactNode } from "react";
import type { Meta, Role, UserOut } from "./api/client";
import { BoutDetail } from "./screens/bout/BoutDetail";
import { BoutList } from "./screens/bouts/BoutList";
import { NewBout } from "./screens/bouts/NewBout";
import { ChangePassword } from "./screens/auth/ChangePassword";
import { SignIn } from "./screens/auth/SignIn";
import { SignUp } from "./screens/auth/SignUp";
import { FighterProfile } from "./screens/fighter/FighterProfile";
import { TrustLines } from "./screens/fighter/TrustLines";
import { hrefFor, navigate, useRoute, type Route } from "./lib/router";
import { useSession } from "./session";

const PUBLIC_ROUTES = new Set<Route["name"]>(["signIn", "signUp"]);
const ROLE_ROUTES: Partial<Record<Route["name"], Role[]>> = {
  profile: ["fighter"],
  newBout: ["promoter"],
};

function homeFor(user: UserOut): Route {
  return user.role === "fighter" ? { name: "profile" } : { name: "bouts" };
}

/** Where the user should be instead of `route`, or null when `route` is fine. */
function redirectFor(route: Route, user: UserOut | null): Route | null {
  if (!user) return PUBLIC_ROUTES.has(route.name) ? null : { name: "signIn" };
  if (route.name === "home" || PUBLIC_ROUTES.has(route.name)) return homeFor(user);
  const roles = ROLE_ROUTES[route.name];
  if (roles && !roles.includes(user.role)) return homeFor(user);
  return null;
}

export function App() {
  const { user, loading } = useSession();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const redirect = loading ? null : redirectFor(route, user);

  useEffect(() => {
    if (redirect) navigate(redirect);
  }, [redirect]);

  // Move focus to the new screen's heading so keyboard and screen-reader users follow along.
  useEffect(() => {
    const heading = main.current?.querySelector<HTMLElement>("h1");
    heading?.focus({ preventScroll: false });
  }, [route, user?.user_id]);

  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <Header />
      <StubBanner />
      <main id="main" ref={main} tabIndex={-1}>
        {loading || redirect ? <p aria-busy="true">Loading…</p> : <Screen route={route} />}
      </main>
      <Footer />
    </>
  );
}

function Screen({ route }: { route: Route }): ReactNode {
  switch (route.name) {
    case "signIn":
      return <SignIn />;
    case "signUp":
      return <SignUp />;
    case "profile":
      // A fighter's own page: their profile, then their trust lines for token purses.
      return (
        <>
          <FighterProfile />
          <TrustLines />
        </>
      );
    case "password":
      return <ChangePassword />;
    case "bouts":
      return <BoutList />;
    case "newBout":
      return <NewBout />;
    case "bout":
      return <BoutDetail key={route.boutId} boutId={route.boutId} />;
    case "home":
      return null;
    case "notFound":
      return (
        <section className="panel narrow">
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>.{" "}
            <a href={hrefFor({ name: "bouts" })}>Go to bouts</a>
          </p>
        </section>
      );
  }
}

const ROLE_NAMES: Record<Role, string> = {
  fighter: "Fighter",
  promoter: "Promoter",
  admin: "Admin",
};

function Header() {
  const { user, signOut } = useSession();
  return (
    <header className="site-header">
      <a className="brand" href={hrefFor({ name: "home" })}>
        <span aria-hidden="true" className="brand-mark">
          ◆
        </span>{" "}
        RingLedger
      </a>
      {user ? (
        <nav aria-label="Main">
          <ul>
            <li>
              <a href={hrefFor({ name: "bouts" })}>Bouts</a>
            </li>
            {user.role === "promoter" ? (
              <li>
                <a href={hrefFor({ name: "newBout" })}>New bout</a>
              </li>
            ) : null}
            {user.role === "fighter" ? (
              <li>
                <a href={hrefFor({ name: "profile" })}>Profile</a>
              </li>
            ) : null}
            <li>
              <a href={hrefFor({ name: "password" })}>Change password</a>
            </li>
          </ul>
          <span className="who" title={user.email}>
            {ROLE_NAMES[user.role]} · <span className="who-email">{user.email}</span>
          </span>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              signOut();
              navigate({ name: "signIn" });
            }}
          >
            Sign out
          </button>
        </nav>
      ) : null}
    </header>
  );
}

function modeText(meta: Meta): string {
  const signing = meta.xaman_mode === "stub" ? "Xaman stub" : "Xaman";
  const ledger = meta.xrpl_mode === "stub" ? "stub ledger" : `XRPL ${meta.xrpl_network}`;
  return `${meta.environment} · ${signing} · ${ledger}`;
}

function StubBanner() {
  const { meta } = useSession();
  if (!meta || (meta.xaman_mode !== "stub" && meta.xrpl_mode !== "stub")) return null;
  return (
    <p className="stub-banner">
      Practice mode: {meta.xaman_mode === "stub" ? "sign requests are simulated" : "real Xaman"},{" "}
      {meta.xrpl_mode === "stub" ? "ledger evidence is typed in" : "the ledger is queried"}. No real
      XRP moves.
    </p>
  );
}

function Footer() {
  const { meta } = useSession();
  return (
    <footer className="site-footer">
      <p>
        RingLedger settles fighter purses through XRP Ledger escrows. Amounts in XRP (1 XRP =
        1,000,000 drops) or in an issued token.
      </p>
      {meta ? (
        <p className="small" data-testid="runtime-modes">
          {modeText(meta)}
        </p>
      ) : null}
    </footer>
  );
}
