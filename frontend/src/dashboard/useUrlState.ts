import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";

/**
 * A view's state kept in the URL's query, so it can be linked to and the back and forward buttons
 * move through it. React Router renders a navigation in a transition, so a control bound to the
 * URL alone would show its old value until that render: a change is shown at once (pending) until
 * the URL has it, and dropped when the browser moves through its history (the URL then decides,
 * even if the render of the change never happened).
 */
export function useUrlState<T>(read: (params: URLSearchParams) => T, write: (value: T) => URLSearchParams): [T, (value: T) => void] {
  const [params, setParams] = useSearchParams();
  const fromUrl = read(params);
  const key = JSON.stringify(fromUrl);
  const [pending, setPending] = useState<{ value: T; key: string } | null>(null);
  useEffect(() => {
    if (pending && pending.key === key) setPending(null);
  }, [key, pending]);
  useEffect(() => {
    const drop = () => setPending(null);
    window.addEventListener("popstate", drop);
    return () => window.removeEventListener("popstate", drop);
  }, []);
  const set = useCallback(
    (next: T) => {
      setPending({ value: next, key: JSON.stringify(next) });
      setParams(write(next));
    },
    [setParams, write],
  );
  return [pending ? pending.value : fromUrl, set];
}
