import { describe, expect, test } from "vitest";
import type { Outcome } from "../api/client";
import { boutView } from "../test/fixtures";
import {
  bonusesInWords,
  outcomeOf,
  outcomeText,
  payoutAction,
  pendingRefunds,
  refundedBonuses,
  winnerOf,
} from "./outcomes";

const NAMES = { A: "Alex Alpha", B: "Blake Bravo" };

describe("outcomes", () => {
  test.each<[Outcome, string]>([
    ["win_a", "Fighter A (Alex Alpha) won"],
    ["win_b", "Fighter B (Blake Bravo) won"],
    ["draw", "Draw"],
    ["no_contest", "No contest"],
  ])("%s reads as %s", (outcome, words) => {
    expect(outcomeText(outcome, NAMES)).toBe(words);
  });

  test("only a win has a winner", () => {
    expect(winnerOf("win_a")).toBe("A");
    expect(winnerOf("win_b")).toBe("B");
    expect(winnerOf("draw")).toBeNull();
    expect(winnerOf("no_contest")).toBeNull();
  });

  test.each<[Outcome, Record<string, "finish" | "cancel">]>([
    ["win_a", { show_a: "finish", show_b: "finish", bonus_a: "finish", bonus_b: "cancel" }],
    ["win_b", { show_a: "finish", show_b: "finish", bonus_a: "cancel", bonus_b: "finish" }],
    ["draw", { show_a: "finish", show_b: "finish", bonus_a: "cancel", bonus_b: "cancel" }],
    ["no_contest", { show_a: "finish", show_b: "finish", bonus_a: "cancel", bonus_b: "cancel" }],
  ])("%s: what the ledger does with each escrow (the service's table)", (outcome, actions) => {
    for (const [kind, action] of Object.entries(actions)) {
      expect(payoutAction(outcome, kind as Parameters<typeof payoutAction>[1])).toBe(action);
    }
  });

  test("a draw refunds both bonuses; a win only the other fighter's", () => {
    expect(refundedBonuses("draw")).toEqual(["bonus_a", "bonus_b"]);
    expect(refundedBonuses("no_contest")).toEqual(["bonus_a", "bonus_b"]);
    expect(refundedBonuses("win_a")).toEqual(["bonus_b"]);
    expect(refundedBonuses("win_b")).toEqual(["bonus_a"]);
    expect(bonusesInWords(["bonus_a", "bonus_b"])).toBe("both bonuses");
    expect(bonusesInWords(["bonus_b"])).toBe("fighter B's bonus");
  });

  test("the outcome comes from the view; nothing before a result", () => {
    expect(outcomeOf(boutView("escrows_created"))).toBeNull();
    expect(outcomeOf(boutView("closed", { outcome: "draw" }))).toBe("draw");
    expect(outcomeOf({ outcome: null, winner: "B" })).toBe("win_b");
  });

  test("pending refunds are the refunded bonuses still on the ledger", () => {
    const draw = boutView("closed", {
      outcome: "draw",
      refundPending: true,
      statuses: { bonus_a: "cancelled", bonus_b: "created" },
    });
    expect(pendingRefunds(draw)).toEqual(["bonus_b"]);
    const both = boutView("closed", {
      outcome: "no_contest",
      refundPending: true,
      statuses: { bonus_a: "created", bonus_b: "created" },
    });
    expect(pendingRefunds(both)).toEqual(["bonus_a", "bonus_b"]);
    expect(pendingRefunds(boutView("draft"))).toEqual([]);
  });
});
