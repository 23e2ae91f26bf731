import { ApiError } from "../client";

/** What to tell the user about a failed call: the API's message when it sent one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message || "Something went wrong.";
  return "Something went wrong.";
}
