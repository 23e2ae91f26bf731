import { useCallback, useEffect, useState } from "react";
import { ApiError } from "./api";

export type Loaded<T> = { data: T | null; error: ApiError | null; loading: boolean; reload: () => void };

/** Loads once (and on reload); `null` data with no error means "not there" (a 404). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  useEffect(() => {
    let cancelled = false;
    setState((previous) => ({ ...previous, loading: true }));
    run().then(
      (data) => !cancelled && setState({ data, error: null, loading: false }),
      (error: ApiError) =>
        !cancelled &&
        setState({ data: null, error: error.status === 404 ? null : error, loading: false }),
    );
    return () => {
      cancelled = true;
    };
  }, [run, generation]);
  return { ...state, reload: () => setGeneration((n) => n + 1) };
}
