import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { SignRequest } from "../../api/client";
import { SigningPanel } from "./SigningPanel";

const request: SignRequest = {
  payload_id: "stub-payload-1",
  deep_link_url: "https://xaman.app/sign/stub-payload-1",
  qr_png_url: "https://xaman.app/sign/stub-payload-1_q.png",
  websocket_status_url: "wss://xaman.app/sign/stub-payload-1",
  expires_at: "2027-03-01T20:00:00Z",
  mode: "stub",
};

afterEach(() => {
  vi.useRealTimers();
});

describe("SigningPanel", () => {
  test("stub mode: deep link, and the outcome buttons report to the service", async () => {
    const reconcile = vi.fn().mockResolvedValue(undefined);
    render(<SigningPanel request={request} status="open" stub reconcile={reconcile} />);
    expect(screen.getByRole("link", { name: "Open in Xaman" }).getAttribute("href")).toBe(
      request.deep_link_url,
    );
    expect(screen.getByText("Waiting for signature")).toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Report signed" }));
    expect(reconcile).toHaveBeenLastCalledWith({
      status: "signed",
      txHash: expect.stringMatching(/^[0-9A-F]{64}$/),
    });
    await userEvent.click(screen.getByRole("button", { name: "Report declined" }));
    expect(reconcile).toHaveBeenLastCalledWith({ status: "declined" });
    await userEvent.click(screen.getByRole("button", { name: "Report expired" }));
    expect(reconcile).toHaveBeenLastCalledWith({ status: "expired" });
  });

  test("api mode: no outcome buttons; an open request is checked every few seconds", async () => {
    vi.useFakeTimers();
    const reconcile = vi.fn().mockResolvedValue(undefined);
    const { rerender } = render(
      <SigningPanel
        request={{ ...request, mode: "api" }}
        status="open"
        stub={false}
        reconcile={reconcile}
        pollMs={1000}
      />,
    );
    expect(screen.queryByRole("button", { name: "Report signed" })).toBeNull();
    expect(screen.getByRole("img").getAttribute("src")).toBe(request.qr_png_url);
    await act(async () => {
      vi.advanceTimersByTime(3100);
    });
    expect(reconcile).toHaveBeenCalledTimes(3);
    expect(reconcile).toHaveBeenLastCalledWith();

    rerender(
      <SigningPanel
        request={{ ...request, mode: "api" }}
        status="signed"
        stub={false}
        reconcile={reconcile}
        pollMs={1000}
      />,
    );
    await act(async () => {
      vi.advanceTimersByTime(5000);
    });
    expect(reconcile).toHaveBeenCalledTimes(3);
  });

  test("a failing report is explained", async () => {
    const { ApiError } = await import("../../api/errors");
    const reconcile = vi
      .fn()
      .mockRejectedValue(
        new ApiError(404, { detail: "Unknown payload.", code: "payload_not_found" }),
      );
    render(<SigningPanel request={request} status="open" stub reconcile={reconcile} />);
    await userEvent.click(screen.getByRole("button", { name: "Report declined" }));
    expect((await screen.findByRole("alert")).textContent).toContain(
      "That sign request was not issued by the service for this escrow. Prepare again.",
    );
  });

  test("superseded is final: explained, with no QR code, link, outcome button or polling", async () => {
    vi.useFakeTimers();
    const reconcile = vi.fn().mockResolvedValue(undefined);
    for (const stub of [true, false]) {
      const { unmount } = render(
        <SigningPanel
          request={{ ...request, mode: stub ? "stub" : "api" }}
          status="superseded"
          stub={stub}
          reconcile={reconcile}
          pollMs={1000}
        />,
      );
      const panel = screen.getByRole("region", { name: "Replaced sign request" });
      expect(panel.textContent).toContain("Replaced by a newer request");
      expect(panel.textContent).toContain(
        "Replaced by a newer request; it can no longer be signed.",
      );
      expect(panel.textContent).toContain(request.payload_id);
      expect(screen.queryByRole("img")).toBeNull();
      expect(screen.queryByRole("link")).toBeNull();
      expect(screen.queryByRole("button")).toBeNull();
      await act(async () => {
        vi.advanceTimersByTime(5000);
      });
      unmount();
    }
    expect(reconcile).not.toHaveBeenCalled();
  });
});
