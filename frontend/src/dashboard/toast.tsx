// Feedback after a change: a toast in one polite live region (the region is always in the page, so
// screen readers announce what is added to it), each dismissible and gone after a while.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

type Toast = { id: number; text: string; tone: "success" | "info" };
type Show = (text: string, tone?: Toast["tone"]) => void;

const ToastContext = createContext<Show | null>(null);
const SHOWN_MS = 8000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const timers = useRef(new Map<number, number>());
  const dismiss = useCallback((id: number) => {
    setToasts((all) => all.filter((toast) => toast.id !== id));
    window.clearTimeout(timers.current.get(id));
    timers.current.delete(id);
  }, []);
  const show = useCallback<Show>(
    (text, tone = "success") => {
      const id = next.current++;
      setToasts((all) => [...all.slice(-2), { id, text, tone }]); // at most three at a time
      timers.current.set(id, window.setTimeout(() => dismiss(id), SHOWN_MS));
    },
    [dismiss],
  );
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((timer) => window.clearTimeout(timer));
  }, []);
  const value = useMemo(() => show, [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast ${toast.tone}`} data-testid="toast">
            <span>{toast.text}</span>
            <button className="link toast-close" onClick={() => dismiss(toast.id)}>
              <span aria-hidden="true">×</span>
              <span className="visually-hidden">Dismiss: {toast.text}</span>
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** `toast("Tiers saved.")`; outside the dashboard's shell it does nothing. */
export function useToast(): Show {
  return useContext(ToastContext) ?? noToast;
}

function noToast() {}
