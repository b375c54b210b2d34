import { describe, expect, test } from "vitest";
import { explorerFor, explorerTxUrl, isTxHash } from "./explorer";

const HASH = "0123456789ABCDEF".repeat(4);

describe("explorer links", () => {
  test.each([
    ["MAINNET", `https://livenet.xrpl.org/transactions/${HASH}`],
    ["TESTNET", `https://testnet.xrpl.org/transactions/${HASH}`],
    ["DEVNET", `https://devnet.xrpl.org/transactions/${HASH}`],
  ])("%s", (network, url) => {
    expect(explorerTxUrl(network, HASH)).toBe(url);
  });

  test("the network is read the way the service reads it (case and spaces do not matter)", () => {
    expect(explorerTxUrl(" testnet ", HASH)).toBe(`https://testnet.xrpl.org/transactions/${HASH}`);
    expect(explorerFor("Mainnet")?.name).toBe("XRPL Mainnet explorer");
  });

  test.each(["STANDALONE", "XAHAU", "livenet", "", null, undefined])(
    "no public explorer for %s: no link",
    (network) => {
      expect(explorerFor(network)).toBeNull();
      expect(explorerTxUrl(network, HASH)).toBeNull();
    },
  );

  test("a hash is written in capitals in the link", () => {
    expect(explorerTxUrl("TESTNET", HASH.toLowerCase())).toBe(
      `https://testnet.xrpl.org/transactions/${HASH}`,
    );
  });

  test.each([
    ["too short", HASH.slice(1)],
    ["too long", `${HASH}0`],
    ["not hex", `${HASH.slice(1)}G`],
    ["a path", `../${HASH.slice(3)}`],
    ["a URL", `https://evil.example/${HASH}`],
  ])("anything but a transaction hash (%s) gets no link", (_, value) => {
    expect(isTxHash(value)).toBe(false);
    expect(explorerTxUrl("MAINNET", value)).toBeNull();
  });
});
