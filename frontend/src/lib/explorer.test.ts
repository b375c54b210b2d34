import { describe, expect, test } from "vitest";
import {
  explorerAccountUrl,
  explorerFor,
  explorerTxUrl,
  isClassicAddress,
  isTxHash,
} from "./explorer";

const HASH = "0123456789ABCDEF".repeat(4);
const ADDRESS = "rJhbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV";

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

  test.each([
    ["MAINNET", `https://livenet.xrpl.org/accounts/${ADDRESS}`],
    ["TESTNET", `https://testnet.xrpl.org/accounts/${ADDRESS}`],
    ["DEVNET", `https://devnet.xrpl.org/accounts/${ADDRESS}`],
  ])("an account on %s", (network, url) => {
    expect(isClassicAddress(ADDRESS)).toBe(true);
    expect(explorerAccountUrl(network, ADDRESS)).toBe(url);
    expect(explorerAccountUrl("STANDALONE", ADDRESS)).toBeNull();
  });

  test.each([
    ["an X-address", "X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ"],
    ["not base58 (0, O, I, l)", "r0hbyDSVG6M5Qqm1RKtAW6bWYbeSQvDfRV"],
    ["too short", "rJhbyDSVG6M5Qqm1RKtAW6"],
    ["a path", `../accounts/${ADDRESS}`],
    ["a transaction hash", HASH],
  ])("anything but a classic address (%s) gets no account link", (_, value) => {
    expect(isClassicAddress(value)).toBe(false);
    expect(explorerAccountUrl("MAINNET", value)).toBeNull();
  });
});
