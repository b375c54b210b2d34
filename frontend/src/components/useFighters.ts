import { useCallback } from "react";
import type { FighterOut } from "../api/client";
import { useSession } from "../session";
import { useLoaded } from "./useLoaded";

const NO_FIGHTERS: FighterOut[] = [];

/** Fighter profiles by user id (promoters and admins may list them; fighters get an empty map). */
export function useFighters(): {
  fighters: FighterOut[];
  byId: Map<string, FighterOut>;
  error: unknown;
} {
  const { api, user } = useSession();
  const mayList = user?.role === "promoter" || user?.role === "admin";
  const load = useCallback(() => api.fighters(), [api]);
  const { value: fighters, error } = useLoaded(load, NO_FIGHTERS, mayList);

  return { fighters, byId: new Map(fighters.map((fighter) => [fighter.user_id, fighter])), error };
}

/** How to call a fighter on screen. */
export function fighterName(
  userId: string,
  byId: Map<string, FighterOut>,
  viewerId: string | undefined,
): string {
  if (userId === viewerId) return "You";
  const fighter = byId.get(userId);
  return fighter ? fighter.display_name : `Fighter ${userId.slice(0, 8)}`;
}
