// Where an API error belongs in a form. The API answers `{error, message}` and, for tier and
// credit-pack lists, `problems` like "tiers[0].name must be …"; other messages name their field in
// quotes ("'url' must use https://…", "Field 'expiresAt' must be in the future"). Each problem is
// shown under the field it names; what names no field of the form is shown above it.
import { ApiError } from "../client";
import { errorMessage } from "../hooks/errors";

export type FormErrors = {
  /** field path ("url", "0.name", "1.overage.unitPriceCents") → what is wrong with it */
  fields: Record<string, string[]>;
  /** what belongs to no field of the form (the whole message when nothing could be placed) */
  other: string[];
  /** the API's message, as it was sent */
  message: string;
  /** whether the API listed its problems one by one (then `message` only sums them up) */
  listed: boolean;
};

const NONE: FormErrors = { fields: {}, other: [], message: "", listed: false };

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Sorts an error's problems onto the form's fields. `known` lists the field paths the form shows
 * (for lists, the path after the index: "name", "overage.stripePriceId"); `byCode` places errors
 * whose message names no field ({"insufficient_credits": "units"}).
 */
export function formErrors(error: unknown, known: readonly string[], byCode: Record<string, string> = {}): FormErrors {
  if (!error) return NONE;
  const message = errorMessage(error);
  const fields: Record<string, string[]> = {};
  const other: string[] = [];
  const place = (field: string, text: string) => {
    (fields[field] ??= []).push(capitalised(text));
  };
  const problems = error instanceof ApiError && Array.isArray(error.body.problems) ? error.body.problems.map(String) : null;
  if (problems) {
    for (const problem of problems) {
      // "tiers[0].name must be …", "packs[2].units must be …", "tiers[1].overage.maxUnits must be …"
      const listed = /^\w+\[(\d+)\]\.([\w.]+) (.*)$/.exec(problem);
      if (listed && known.includes(listed[2])) place(`${listed[1]}.${listed[2]}`, listed[3]);
      else other.push(capitalised(problem));
    }
    return { fields, other, message, listed: true };
  }
  const code = error instanceof ApiError ? error.code : "";
  const named = /'(\w+)'/.exec(message)?.[1];
  if (named && known.includes(named)) place(named, message.replace(/^Field /, ""));
  else if (byCode[code]) place(byCode[code], message);
  else other.push(message);
  return { fields, other, message, listed: false };
}

/** Props that tie an input to its error text (`aria-invalid`, `aria-describedby`). */
export function invalidProps(errors: FormErrors, field: string, errorId: string, hintId?: string) {
  const wrong = (errors.fields[field]?.length ?? 0) > 0;
  const described = [wrong ? errorId : null, hintId ?? null].filter(Boolean).join(" ");
  return {
    "aria-invalid": wrong || undefined,
    "aria-describedby": described || undefined,
  } as const;
}
