// The developer's gateway config (api_multi /api/developer/gateway): read (null when there is none
// yet), stored, its signing secret rolled, stopped.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSession } from "../auth/context";
import { ApiError, apiMulti, bearer, unwrap } from "../client";
import type { operations } from "../generated/api_multi";
import { queryKeys } from "../hooks/queryKeys";
import type { GatewayShown } from "./model";

export function useGateway(platformId: string) {
  const session = useSession();
  return useQuery({
    queryKey: queryKeys.gateway(session.userId, platformId),
    queryFn: async (): Promise<GatewayShown | null> => {
      try {
        return await unwrap(apiMulti.GET("/api/developer/gateway", { headers: bearer(await session.getToken()) }));
      } catch (error) {
        if (error instanceof ApiError && error.code === "gateway_not_configured") return null;
        throw error;
      }
    },
  });
}

type PutBody = operations["put_api_developer_gateway"]["requestBody"]["content"]["application/json"];

/** Stores a config (any JSON object: the API lists every problem of a bad one); the answer has
 * `signingSecret` when it was the first. */
export function useSaveGateway(platformId: string) {
  const session = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (config: Record<string, unknown>) =>
      unwrap(
        apiMulti.PUT("/api/developer/gateway", {
          headers: bearer(await session.getToken()),
          // the editor's JSON as typed (AI routes' models are typed loosely by the schema)
          body: config as unknown as PutBody,
        }),
      ),
    onSuccess: (saved) => {
      const { signingSecret: _shownOnce, ...shown } = saved;
      queryClient.setQueryData(queryKeys.gateway(session.userId, platformId), shown);
    },
  });
}

export function useRollSigningSecret() {
  const session = useSession();
  return useMutation({
    mutationFn: async () =>
      unwrap(apiMulti.POST("/api/developer/gateway/signing-secret/roll", { headers: bearer(await session.getToken()) })),
  });
}

export function useStopGateway(platformId: string) {
  const session = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(apiMulti.DELETE("/api/developer/gateway", { headers: bearer(await session.getToken()) })),
    onSuccess: () => queryClient.setQueryData(queryKeys.gateway(session.userId, platformId), null),
  });
}
