import { useEffect, useState } from "react";

/**
 * What `load` answers, fetched once when the screen mounts (again when `load` changes); `initial`
 * until then, and kept with the error when it fails. Nothing is loaded while `enabled` is false.
 */
export function useLoaded<T>(
  load: () => Promise<T>,
  initial: T,
  enabled = true,
): { value: T; error: unknown } {
  const [value, setValue] = useState<T>(initial);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!enabled) return;
    let current = true;
    load().then(
      (answer) => current && setValue(answer),
      (caught: unknown) => current && setError(caught),
    );
    return () => {
      current = false;
    };
  }, [load, enabled]);

  return { value, error };
}
