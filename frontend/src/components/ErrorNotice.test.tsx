import { render, screen } from "@testing-library/react";
import { expect, test } from "vitest";
import { ApiError } from "../api/errors";
import { ErrorNotice } from "./ErrorNotice";

test("an API error is shown as sentences, never as JSON", () => {
  const error = new ApiError(409, {
    detail: "Escrows can be prepared only in draft.",
    code: "state_conflict",
  });
  render(<ErrorNotice error={error} title="Prepare failed" />);
  const alert = screen.getByRole("alert");
  expect(alert.textContent).toContain("Prepare failed");
  expect(alert.textContent).toContain("The bout is not in a state that allows this step.");
  expect(alert.textContent).toContain("Escrows can be prepared only in draft.");
  expect(alert.textContent).not.toMatch(/[{}]/);
});

test("nothing is rendered without an error", () => {
  const { container } = render(<ErrorNotice error={null} />);
  expect(container.innerHTML).toBe("");
});

test("a plain exception shows its message", () => {
  render(<ErrorNotice error={new Error("Disk full")} />);
  expect(screen.getByRole("alert").textContent).toBe("Disk full");
});
