import { describe, expect, test } from "vitest";
import { hrefFor, parseHash, type Route } from "./router";

const BOUT = "0b6b5c0e-8f5a-4f0e-9a55-3f1c2b7d9e10";

describe("hash routes", () => {
  test.each<[string, Route]>([
    ["", { name: "home" }],
    ["#/", { name: "home" }],
    ["#/sign-in", { name: "signIn" }],
    ["#/sign-up/", { name: "signUp" }],
    ["#/profile", { name: "profile" }],
    ["#/account/password", { name: "password" }],
    ["#/bouts", { name: "bouts" }],
    ["#/bouts/new", { name: "newBout" }],
    [`#/bouts/${BOUT.toUpperCase()}`, { name: "bout", boutId: BOUT }],
    ["#/bouts/not-an-id", { name: "notFound", path: "/bouts/not-an-id" }],
  ])("%j", (hash, route) => {
    expect(parseHash(hash)).toEqual(route);
  });

  test("links stay in the fragment, never on the API's paths", () => {
    for (const route of [
      { name: "bouts" },
      { name: "password" },
      { name: "bout", boutId: BOUT },
    ] as Route[]) {
      const href = hrefFor(route);
      expect(href.startsWith("#/")).toBe(true);
      expect(parseHash(href)).toEqual(route);
    }
  });
});
