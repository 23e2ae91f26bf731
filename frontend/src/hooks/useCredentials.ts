import { useQuery } from "@tanstack/react-query";
import { useSession } from "../auth/context";
import { ApiError, bearer, frontAuthApi, unwrap, type FrontAuthReply } from "../client";
import { queryKeys } from "./queryKeys";

export type Credentials = FrontAuthReply<"get_get_credentials">;

/** The developer's platform id and key prefix; `null` when none were generated yet (a 404). */
export function useCredentials() {
  const session = useSession();
  return useQuery({
    queryKey: queryKeys.credentials(session.userId),
    queryFn: async (): Promise<Credentials | null> => {
      try {
        return await unwrap(frontAuthApi.GET("/get-credentials", { headers: bearer(await session.getToken()) }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    enabled: session.userId !== null,
  });
}
