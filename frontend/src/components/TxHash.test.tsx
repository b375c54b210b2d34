import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import type { AuditEntry, SignRequest } from "../api/client";
import { AuditTimeline } from "../screens/bout/AuditTimeline";
import { EscrowCard } from "../screens/bout/EscrowCard";
import { SigningPanel } from "../screens/bout/SigningPanel";
import { json } from "../test/fakeFetch";
import { BOUT_ID, escrowView } from "../test/fixtures";
import { ADMIN, STUB_META, renderWithSession } from "../test/render";
import { TxHash } from "./TxHash";

const CREATE = "C".repeat(64);
const CLOSE = "D".repeat(64);

function inSession(ui: Parameters<typeof renderWithSession>[0], network: string) {
  return renderWithSession(ui, { user: ADMIN, meta: { ...STUB_META, xrpl_network: network } });
}

describe("transaction hashes link to the network's explorer", () => {
  test.each([
    ["MAINNET", "https://livenet.xrpl.org", "XRPL Mainnet explorer"],
    ["TESTNET", "https://testnet.xrpl.org", "XRPL Testnet explorer"],
    ["DEVNET", "https://devnet.xrpl.org", "XRPL Devnet explorer"],
  ])("%s: create and finish transactions of an escrow", async (network, origin, name) => {
    inSession(
      <EscrowCard escrow={escrowView("show_a", "finished")} destinationName="Alex" />,
      network,
    );
    const create = await screen.findByRole("link", { name: new RegExp(`^${CREATE}`) });
    expect(create.getAttribute("href")).toBe(`${origin}/transactions/${CREATE}`);
    expect(create.getAttribute("target")).toBe("_blank");
    expect(create.getAttribute("rel")).toBe("noopener noreferrer");
    // The hash stays readable and is the link's whole text; the name says where it leads.
    expect(create.textContent).toBe(CREATE);
    expect(create.getAttribute("aria-label")).toBe(`${CREATE} (opens in the ${name}, new tab)`);
    const close = screen.getByRole("link", { name: new RegExp(`^${CLOSE}`) });
    expect(close.getAttribute("href")).toBe(`${origin}/transactions/${CLOSE}`);
    expect(close.closest("dd")?.previousElementSibling?.textContent).toBe("Finish tx");
  });

  test("a network without a public explorer: the hash as plain text", async () => {
    inSession(
      <EscrowCard escrow={escrowView("bonus_b", "cancelled")} destinationName="Blake" />,
      "STANDALONE",
    );
    await screen.findByText(CREATE);
    expect(screen.queryAllByRole("link")).toEqual([]);
    expect(screen.getByText(CLOSE).tagName).toBe("SPAN");
    expect(screen.getByText("Cancel tx")).toBeTruthy();
  });

  test("outside a session (no network known yet): plain text", () => {
    render(<TxHash hash={CREATE} />);
    expect(screen.getByText(CREATE).tagName).toBe("SPAN");
    expect(screen.queryByRole("link")).toBeNull();
  });

  test("the transaction a signed request produced", async () => {
    const request: SignRequest = {
      payload_id: "p-1",
      deep_link_url: "https://xumm.app/sign/p-1",
      qr_png_url: "",
      websocket_status_url: "",
      expires_at: "2027-03-01T20:00:00Z",
      mode: "stub",
    };
    const reconcile = vi.fn().mockResolvedValue(undefined);
    inSession(
      <SigningPanel
        request={request}
        status="signed"
        stub
        reconcile={reconcile}
        signedHash={"ab".repeat(32)}
      />,
      "TESTNET",
    );
    const link = await screen.findByRole("link", { name: /opens in the XRPL Testnet explorer/ });
    expect(link.getAttribute("href")).toBe(
      `https://testnet.xrpl.org/transactions/${"AB".repeat(32)}`,
    );
    expect(link.closest("p")?.textContent).toContain("Signed transaction:");
  });

  test("audit details: transaction hash fields are linked, other hex is not", async () => {
    const hashHex = "9".repeat(64);
    const entries: AuditEntry[] = [
      {
        id: 7,
        at: "2027-02-01T10:05:00Z",
        actor_user_id: "u-1",
        actor_role: "promoter",
        action: "escrow.confirm_create",
        entity_type: "escrow",
        entity_id: "e-1",
        outcome: "applied",
        failure_code: null,
        details: { escrow_kind: "show_a", tx_hash: CREATE, request_hash: hashHex },
      },
    ];
    renderWithSession(<AuditTimeline boutId={BOUT_ID} version={0} />, {
      user: ADMIN,
      routes: { [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, entries) },
    });
    const [item] = await screen.findAllByRole("listitem");
    await userEvent.click(within(item!).getByText("Details"));
    const link = await within(item!).findByRole("link", { name: new RegExp(`^${CREATE}`) });
    expect(link.getAttribute("href")).toBe(`https://testnet.xrpl.org/transactions/${CREATE}`);
    expect(within(item!).getByText(hashHex).tagName).toBe("DD");
    expect(within(item!).getAllByRole("link")).toHaveLength(1);
  });
});
