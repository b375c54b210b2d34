/**
 * Content-Security-Policy violations, collected from every page of every browser context the
 * tests open: the browser's `securitypolicyviolation` events (reported through a binding that an
 * init script installs before any page script runs) and its console messages about refused
 * loads. The tests assert there are none after each test.
 */

import type { BrowserContext, ConsoleMessage } from "playwright-core";

/** The policy the service sends with every response (backend/ringledger/core/middleware.py). */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

interface Violation {
  directive: string;
  blocked: string;
  source: string;
  sample: string;
}

const found: string[] = [];

const CONSOLE_PATTERN = /Content Security Policy|Refused to (load|execute|apply|connect|frame)/i;

function fromConsole(message: ConsoleMessage): void {
  const text = message.text();
  if (CONSOLE_PATTERN.test(text)) found.push(`console ${message.type()}: ${text}`);
}

export async function watchCsp(context: BrowserContext): Promise<void> {
  await context.exposeBinding("__ringledgerCspViolation", ({ page }, violation: Violation) => {
    found.push(
      `${violation.directive} blocked ${violation.blocked || "(inline)"} on ${page.url()}` +
        `${violation.source ? ` from ${violation.source}` : ""}` +
        `${violation.sample ? `: ${violation.sample}` : ""}`,
    );
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as Record<string, unknown>).__ringledgerCspViolation;
      if (typeof report !== "function") return;
      void report({
        directive: event.effectiveDirective || event.violatedDirective,
        blocked: event.blockedURI,
        source: event.sourceFile,
        sample: event.sample,
      });
    });
  });
  context.on("console", fromConsole);
}

/** How many violations are waiting to be taken. */
export function pendingCspViolations(): number {
  return found.length;
}

/** Everything reported since the last call (and forget it). */
export function takeCspViolations(): string[] {
  return found.splice(0, found.length);
}
