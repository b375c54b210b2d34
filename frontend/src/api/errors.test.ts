import { describe, expect, test } from "vitest";
import {
  ApiError,
  describeFieldProblem,
  describeWait,
  errorLines,
  retryWhen,
  sentenceForCode,
  type CodeSentences,
} from "./errors";

describe("waits in words", () => {
  test.each<[number, string]>([
    [0, "1 second"],
    [1, "1 second"],
    [42, "42 seconds"],
    [119, "119 seconds"],
    [120, "2 minutes"],
    [121, "3 minutes"],
    [900, "15 minutes"],
    [3600, "60 minutes"],
    [7200, "2 hours"],
    [7201, "3 hours"],
  ])("%d s is %s", (seconds, words) => {
    expect(describeWait(seconds)).toBe(words);
  });

  test("without a Retry-After the wait is 'later'", () => {
    expect(retryWhen(null)).toBe("later");
    expect(retryWhen(900)).toBe("in 15 minutes");
  });
});

describe("sentences for the codes the auth forms meet", () => {
  test.each([
    "credentials_invalid",
    "rate_limited",
    "email_taken",
    "validation_error",
    "not_authenticated",
    "token_invalid",
    "token_expired",
    "database_unavailable",
    "database_busy",
    "payload_too_large",
    "network_error",
  ])("%s has a sentence of its own", (code) => {
    const sentence = sentenceForCode(code, 30);
    expect(sentence).toBeTruthy();
    expect(sentence).not.toMatch(/[{}_]/);
  });

  test("the fields of a password change have labels", () => {
    expect(describeFieldProblem({ field: "new_password", message: "too short" })).toBe(
      "New password: too short",
    );
    expect(describeFieldProblem({ field: "current_password", message: "missing" })).toBe(
      "Current password: missing",
    );
  });

  test("a busy database says when to retry and that nothing was stored", () => {
    const error = new ApiError(
      503,
      { detail: "The records are busy with another request.", code: "database_busy" },
      1,
    );
    expect(error.lines).toEqual([
      "The records are busy with another request; nothing was stored. Try again in 1 second.",
    ]);
  });
});

describe("a form's own sentences", () => {
  const throttled = new ApiError(
    429,
    { detail: "Too many registrations from this address; try again later.", code: "rate_limited" },
    1800,
  );
  const sentences: CodeSentences = {
    rate_limited: (error) => `Too many sign-ups; wait ${String(error.retryAfterSeconds)} s.`,
  };

  test("replace the general headline for their codes only", () => {
    expect(errorLines(throttled)).toEqual(["Too many attempts; try again in 30 minutes."]);
    expect(errorLines(throttled, sentences)).toEqual(["Too many sign-ups; wait 1800 s."]);
    const other = new ApiError(409, { detail: "Taken.", code: "email_taken" });
    expect(errorLines(other, sentences)).toEqual([
      "An account with this email already exists. Sign in instead.",
    ]);
  });

  test("keep the rest of the lines (field problems, request id)", () => {
    const invalid = new ApiError(422, {
      detail: "The request is not valid.",
      code: "validation_error",
      errors: [{ field: "new_password", message: "String should have at least 12 characters" }],
      request_id: "req-7",
    });
    expect(invalid.linesIn({ validation_error: () => "Check the new password." })).toEqual([
      "Check the new password.",
      "New password: String should have at least 12 characters",
      "Request id: req-7",
    ]);
  });
});
