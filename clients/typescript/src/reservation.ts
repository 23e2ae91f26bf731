/** A reservation: units held for an end user's work until it is settled, released or expires. */
import { type Answer, type Call, type RequestOptions, userHeaders } from "./client.js";
import { type RateLimitInfo, ReservationFinished, rateLimitInfo } from "./errors.js";
import type {
  ReleasedResponse,
  ReservationInfo,
  ReservationStatus,
  ReservationUsage,
  ReservedResponse,
  SettleRequest,
  SettledResponse,
} from "./types.js";

/** Sends one call with the client's key, timeout and retries. */
export type Send = <T>(call: Call) => Promise<Answer<T>>;

/** Whose reservation it is and what the reserve was sent with. */
export interface Holder {
  userId: string;
  plan: string | undefined;
  idempotencyKey: string;
}

type Latest = ReservedResponse | SettledResponse | ReleasedResponse | ReservationInfo;

/**
 * Units held for an end user by `DreamApi.reserve()`: do the work, then `settle(units)` what it
 * cost, or `release()` it; a hold neither settled nor released expires at `expiresAt`, counting
 * nothing. Each step is sent again on network errors and 502/503 (the server answers a repeated
 * step the same), with the plan the reservation was made with.
 */
export class Reservation {
  /** `rsv_…` */
  readonly id: string;
  readonly userId: string;
  /** the tier it was reserved against (X-User-Plan), sent again with each step */
  readonly plan: string | undefined;
  /** the reserve's answer: the reservation, held, and the usage after it */
  readonly reserved: ReservedResponse;
  /** the Idempotency-Key the reserve was sent (and any retry resent) with */
  readonly idempotencyKey: string;
  /** true when the reserve's answer was the one recorded for this key earlier */
  readonly replayed: boolean;
  /** the end user's per-minute window after the reserve */
  readonly rateLimit: RateLimitInfo | undefined;
  readonly requestId: string | undefined;
  readonly #send: Send;
  #latest: Latest;
  #usage: ReservationUsage;

  constructor(send: Send, holder: Holder, answer: Answer<ReservedResponse>) {
    this.#send = send;
    this.id = answer.data.id;
    this.userId = holder.userId;
    this.plan = holder.plan;
    this.reserved = answer.data;
    this.idempotencyKey = holder.idempotencyKey;
    this.replayed = answer.headers.get("idempotent-replayed") === "true";
    this.rateLimit = rateLimitInfo(answer.headers);
    this.requestId = answer.headers.get("x-request-id") ?? undefined;
    this.#latest = answer.data;
    this.#usage = answer.data.usage;
  }

  /** the units held: the most the work may cost */
  get units(): number {
    return this.reserved.units;
  }

  get expiresAt(): string {
    return this.reserved.expiresAt;
  }

  /** as the latest answer about it said: `held`, `settled`, `released` or `expired` */
  get status(): ReservationStatus {
    return this.#latest.status;
  }

  /** the latest answer about it: the reserve's, a settle's, a release's or a `get()`'s */
  get latest(): Latest {
    return this.#latest;
  }

  /** the end user's usage after the latest reserve, settle or release */
  get usage(): ReservationUsage {
    return this.#usage;
  }

  /**
   * Counts `units` (what the work cost; 0 counts nothing) as one metered call and frees the rest.
   * The same units again answers the same and counts once; other units, or a released or expired
   * reservation, throw `ReservationFinished`. Units beyond the hold are counted only as far as
   * what is free covers (`shortfall`: the rest).
   */
  settle(units: number, options: RequestOptions = {}): Promise<SettledResponse> {
    const body: SettleRequest = { units };
    return this.#step<SettledResponse>("POST", "/api/reservations/{reservationId}/settle", options, body);
  }

  /** Frees the whole hold, counting nothing (again: the same answer); `ReservationFinished` when
   * it was settled or expired. */
  release(options: RequestOptions = {}): Promise<ReleasedResponse> {
    return this.#step<ReleasedResponse>("POST", "/api/reservations/{reservationId}/release", options);
  }

  /** The reservation as it stands (`GET /api/reservations/{id}`); `status` follows it. */
  get(options: RequestOptions = {}): Promise<ReservationInfo> {
    return this.#step<ReservationInfo>("GET", "/api/reservations/{reservationId}", options);
  }

  async #step<T extends Latest>(
    method: "GET" | "POST",
    path: Call["path"],
    options: RequestOptions,
    body?: unknown,
  ): Promise<T> {
    const headers = userHeaders(this.userId, this.plan);
    const params = { reservationId: this.id };
    try {
      const answer = await this.#send<T>({
        method,
        path,
        params,
        headers,
        body,
        retry: "idempotent",
        signal: options.signal,
      });
      this.#latest = answer.data;
      if ("usage" in answer.data) this.#usage = answer.data.usage;
      return answer.data;
    } catch (error) {
      // a 409 says how it stands: settled, released or expired
      if (error instanceof ReservationFinished && error.reservation?.id === this.id) {
        this.#latest = error.reservation;
      }
      throw error;
    }
  }
}

/** Releases `reservation` unless it is settled, released or expired (as far as it knows);
 * `ReservationFinished` means it holds nothing any more, which is what the release was for. */
async function releaseIfHeld(reservation: Reservation): Promise<void> {
  if (reservation.status !== "held") return;
  try {
    await reservation.release();
  } catch (error) {
    if (!(error instanceof ReservationFinished)) throw error;
  }
}

/** Runs `work` on `reservation` and releases it when `work` throws (a failing release then never
 * hides the work's own error; the hold expires anyway) or returns without settling it. */
export async function holding<T>(
  reservation: Reservation,
  work: (reservation: Reservation) => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await work(reservation);
  } catch (error) {
    await releaseIfHeld(reservation).catch(() => undefined);
    throw error;
  }
  await releaseIfHeld(reservation);
  return result;
}
