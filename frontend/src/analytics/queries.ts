// The developer's analytics (api_multi /api/developer/analytics/usage, /api/developer/users,
// /api/developer/users/{userId}), keyed under the platform's "developer" prefix so that any write
// to the platform invalidates them too.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";

export type UsageByDay = ApiMultiReply<"get_api_developer_analytics_usage">;
export type EndUserTable = ApiMultiReply<"get_api_developer_users">;
export type EndUserDetail = ApiMultiReply<"get_api_developer_users_userId">;
export type TableQuery = {
  search: string;
  sort: "usage" | "tier" | "percent" | "credits" | "user";
  order: "asc" | "desc";
  page: number;
  pageSize: number;
};

const key = (userId: string | null, platformId: string, ...rest: unknown[]) =>
  ["developer", userId, platformId, "analytics", ...rest] as const;

/** "YYYY-MM" of this month (UTC, as the meter counts) and of the month before it. */
export function recentMonths(now = new Date()): { thisMonth: string; lastMonth: string } {
  const month = (year: number, index: number) => `${year}-${String(index + 1).padStart(2, "0")}`;
  const year = now.getUTCFullYear();
  const index = now.getUTCMonth();
  return { thisMonth: month(year, index), lastMonth: index === 0 ? month(year - 1, 11) : month(year, index - 1) };
}

/** `refetchInterval`: how often to ask again while a figure is expected to change (the overview,
 * catching up with a call it was told about). */
export function useUsageByDay(
  platformId: string,
  month: string,
  refetchInterval?: (report: UsageByDay | undefined) => number | false,
) {
  const session = useSession();
  return useQuery({
    queryKey: key(session.userId, platformId, "usage", month),
    queryFn: async () =>
      unwrap(
        apiMulti.GET("/api/developer/analytics/usage", {
          headers: bearer(await session.getToken()),
          params: { query: { month } },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: refetchInterval ? (query) => refetchInterval(query.state.data) : false,
  });
}

export function useEndUsers(platformId: string, query: TableQuery) {
  const session = useSession();
  return useQuery({
    queryKey: key(session.userId, platformId, "users", query),
    queryFn: async () =>
      unwrap(
        apiMulti.GET("/api/developer/users", {
          headers: bearer(await session.getToken()),
          params: {
            query: {
              ...(query.search ? { search: query.search } : {}),
              sort: query.sort,
              order: query.order,
              page: String(query.page),
              pageSize: String(query.pageSize),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useEndUser(platformId: string | null, userId: string) {
  const session = useSession();
  return useQuery({
    queryKey: key(session.userId, platformId ?? "", "user", userId),
    queryFn: async () =>
      unwrap(
        apiMulti.GET("/api/developer/users/{userId}", {
          headers: bearer(await session.getToken()),
          params: { path: { userId } },
        }),
      ),
    enabled: platformId !== null,
  });
}
