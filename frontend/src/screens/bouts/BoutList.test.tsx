import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import { json } from "../../test/fakeFetch";
import { boutView } from "../../test/fixtures";
import { renderWithSession } from "../../test/render";
import { BoutList } from "./BoutList";

test("filters by status and loads the next page with the cursor", async () => {
  const first = {
    ...boutView("draft"),
    bout_id: "a0000000-0000-4000-8000-000000000001",
    title: "First bout",
  };
  const second = {
    ...boutView("closed", {
      outcome: "draw",
      refundPending: true,
      statuses: { bonus_a: "created", bonus_b: "created" },
    }),
    bout_id: "a0000000-0000-4000-8000-000000000002",
    title: "Second bout",
  };
  const { calls } = renderWithSession(<BoutList />, {
    routes: {
      "GET /fighters": () => json(200, []),
      "GET /bouts": (request) =>
        request.url.includes("cursor=page-2")
          ? json(200, { items: [second], next_cursor: null })
          : json(200, { items: [first], next_cursor: "page-2" }),
    },
  });
  expect(await screen.findByText("First bout")).toBeTruthy();
  await userEvent.click(screen.getByRole("button", { name: "Load more" }));
  expect(await screen.findByText("Second bout")).toBeTruthy();
  expect(screen.getByText("Result: Draw")).toBeTruthy();
  expect(screen.getByText("Refunds pending: both bonuses back to the promoter")).toBeTruthy();
  expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  expect(
    screen.getAllByRole("link", { name: /bout/ }).map((link) => link.getAttribute("href")),
  ).toContain(`#/bouts/${second.bout_id}`);

  await userEvent.selectOptions(screen.getByLabelText("Status"), "closed");
  await waitFor(() => expect(calls.some((call) => call.url.includes("status=closed"))).toBe(true));
});

test("withdrawn bouts have a label, a badge and a place in the status filter", async () => {
  const withdrawn = {
    ...boutView("withdrawn"),
    bout_id: "a0000000-0000-4000-8000-000000000003",
    title: "Called-off bout",
  };
  const { calls } = renderWithSession(<BoutList />, {
    routes: {
      "GET /fighters": () => json(200, []),
      "GET /bouts": () => json(200, { items: [withdrawn], next_cursor: null }),
    },
  });
  const link = await screen.findByRole("link", { name: /Called-off bout/ });
  expect(link.querySelector(".badge")?.textContent).toBe("Withdrawn");
  expect(link.textContent).not.toContain("Result:");
  const filter = screen.getByLabelText("Status") as HTMLSelectElement;
  expect(Array.from(filter.options).map((option) => option.textContent)).toContain("Withdrawn");
  await userEvent.selectOptions(filter, "withdrawn");
  await waitFor(() =>
    expect(calls.some((call) => call.url.includes("status=withdrawn"))).toBe(true),
  );
});

test("a bout with a ledger anomaly is marked in the list, in words", async () => {
  const flagged = {
    ...boutView("escrows_created"),
    bout_id: "a0000000-0000-4000-8000-000000000004",
    title: "Flagged bout",
    anomalies: [
      {
        escrow_kind: "bonus_a" as const,
        tx_hash: "AB".repeat(32),
        reason: "The bonus was finished before any result was entered.",
        observed_at: "2027-03-01T22:10:00Z",
      },
    ],
  };
  const calm = { ...boutView("escrows_created"), title: "Calm bout" };
  renderWithSession(<BoutList />, {
    routes: {
      "GET /fighters": () => json(200, []),
      "GET /bouts": () => json(200, { items: [flagged, calm], next_cursor: null }),
    },
  });
  const link = await screen.findByRole("link", { name: /Flagged bout/ });
  expect(link.textContent).toContain("Ledger anomaly: a move the outcome did not allow");
  expect(link.querySelector('[data-anomalies="1"]')).not.toBeNull();
  const other = screen.getByRole("link", { name: /Calm bout/ });
  expect(other.textContent).not.toContain("anomaly");
});
