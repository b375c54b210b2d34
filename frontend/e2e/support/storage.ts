/** What a page keeps in its tab's sessionStorage (the console's own keys start "ringledger."). */

import type { Page } from "playwright-core";

export function storedItems(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const items: Record<string, string> = {};
    for (let index = 0; index < window.sessionStorage.length; index += 1) {
      const key = window.sessionStorage.key(index);
      if (key !== null) items[key] = window.sessionStorage.getItem(key) ?? "";
    }
    return items;
  });
}
