/** The bout page of one bout, as a user sees it, with the routes it reads answered. */

import type { BoutView, UserOut } from "../api/client";
import { BoutDetail } from "../screens/bout/BoutDetail";
import { json, type Responder } from "./fakeFetch";
import { BOUT_ID } from "./fixtures";
import { PROMOTER, renderWithSession } from "./render";

export function showBout(
  bout: BoutView,
  user: UserOut = PROMOTER,
  extra: Record<string, Responder> = {},
) {
  return renderWithSession(<BoutDetail boutId={BOUT_ID} />, {
    user,
    routes: {
      [`GET /bouts/${BOUT_ID}`]: () => json(200, bout),
      [`GET /bouts/${BOUT_ID}/audit`]: () => json(200, []),
      "GET /fighters": () => json(200, []),
      ...extra,
    },
  });
}
