// The dashboard's shared reads: the platform's numbers this month (GET /api/developer/dashboard)
// and the Stripe and GitHub connections (oauth_api /status).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, oauthApi, unwrap, type ApiMultiReply } from "../client";
import { queryKeys } from "../hooks/queryKeys";

export type Stats = ApiMultiReply<"get_api_developer_dashboard">;

/**
 * The platform's numbers this month. They are summed from snapshots the API keeps 15 s; `live`
 * (waiting for something to show up) skips that cache and asks again every few seconds, and so
 * does `refresh()`.
 */
export function useStats(platformId: string, { live = false, enabled = true }: { live?: boolean; enabled?: boolean } = {}) {
  const session = useSession();
  const fresh = useRef(false);
  const query = useQuery({
    queryKey: queryKeys.stats(session.userId, platformId),
    queryFn: async () => {
      const refresh = live || fresh.current;
      fresh.current = false;
      return unwrap(
        apiMulti.GET("/api/developer/dashboard", {
          headers: bearer(await session.getToken()),
          params: { query: refresh ? { refresh: "1" } : {} },
        }),
      );
    },
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_MS : false,
    enabled,
  });
  const refresh = () => {
    fresh.current = true;
    return query.refetch();
  };
  return { ...query, refresh };
}

/** How often a page waiting for a call asks again. */
export const LIVE_MS = 3000;

/** What is connected (Stripe, GitHub). */
export function useConnections() {
  const session = useSession();
  return useQuery({
    queryKey: queryKeys.connections(session.userId),
    queryFn: async () => unwrap(oauthApi.GET("/status", { headers: bearer(await session.getToken()) })),
  });
}

export const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
