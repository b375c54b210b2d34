/**
 * Hash routing (`/#/bouts/<id>`): the API owns real paths like /bouts and /auth on this origin,
 * so the console's own locations live in the fragment and never reach the server.
 */

import { useEffect, useState } from "react";

export type Route =
  | { name: "home" }
  | { name: "signIn" }
  | { name: "signUp" }
  | { name: "profile" }
  | { name: "password" }
  | { name: "bouts" }
  | { name: "newBout" }
  | { name: "bout"; boutId: string }
  | { name: "notFound"; path: string };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/\/+$/, "") || "/";
  if (path === "/") return { name: "home" };
  if (path === "/sign-in") return { name: "signIn" };
  if (path === "/sign-up") return { name: "signUp" };
  if (path === "/profile") return { name: "profile" };
  if (path === "/account/password") return { name: "password" };
  if (path === "/bouts") return { name: "bouts" };
  if (path === "/bouts/new") return { name: "newBout" };
  const bout = /^\/bouts\/([0-9a-fA-F-]{36})$/.exec(path);
  if (bout?.[1]) return { name: "bout", boutId: bout[1].toLowerCase() };
  return { name: "notFound", path };
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case "home":
      return "#/";
    case "signIn":
      return "#/sign-in";
    case "signUp":
      return "#/sign-up";
    case "profile":
      return "#/profile";
    case "password":
      return "#/account/password";
    case "bouts":
      return "#/bouts";
    case "newBout":
      return "#/bouts/new";
    case "bout":
      return `#/bouts/${route.boutId}`;
    case "notFound":
      return `#${route.path}`;
  }
}

export function navigate(route: Route): void {
  const target = hrefFor(route);
  if (window.location.hash !== target) window.location.hash = target;
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}
