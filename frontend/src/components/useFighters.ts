import { useEffect, useState } from "react";
import type { FighterOut } from "../api/client";
import { useSession } from "../session";

/** Fighter profiles by user id (promoters and admins may list them; fighters get an empty map). */
export function useFighters(): {
  fighters: FighterOut[];
  byId: Map<string, FighterOut>;
  error: unknown;
} {
  const { api, user } = useSession();
  const [fighters, setFighters] = useState<FighterOut[]>([]);
  const [error, setError] = useState<unknown>(null);
  const mayList = user?.role === "promoter" || user?.role === "admin";

  useEffect(() => {
    if (!mayList) return;
    let current = true;
    api.fighters().then(
      (list) => current && setFighters(list),
      (caught: unknown) => current && setError(caught),
    );
    return () => {
      current = false;
    };
  }, [api, mayList]);

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
