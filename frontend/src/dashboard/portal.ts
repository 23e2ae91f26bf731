// The end users' portal of the developer's platform (/p/{platformId}) and whether the developer
// opened it from the dashboard (the checklist's last step; remembered in this browser).
import { useCallback, useSyncExternalStore } from "react";

const key = (platformId: string) => `dreamapi.portal-opened.${platformId}`;
const listeners = new Set<() => void>();

export function portalUrl(platformId: string): string {
  return `${window.location.origin}/p/${platformId}`;
}

export function markPortalOpened(platformId: string) {
  try {
    localStorage.setItem(key(platformId), new Date().toISOString());
  } catch {
    // storage refused: the step stays open
  }
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener); // another tab of the dashboard
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

export function usePortalOpened(platformId: string | null): boolean {
  const read = useCallback(() => {
    if (!platformId) return false;
    try {
      return localStorage.getItem(key(platformId)) !== null;
    } catch {
      return false;
    }
  }, [platformId]);
  return useSyncExternalStore(subscribe, read);
}
