import { useId, type ReactNode } from "react";
import { invalidProps, type FormErrors } from "./fieldErrors";

/** The error text under one field (its id is what the input's aria-describedby names). */
export function FieldError({ errors, field, id }: { errors: FormErrors; field: string; id: string }) {
  const texts = errors.fields[field];
  if (!texts?.length) return null;
  return (
    <span className="field-error" id={id} data-testid={`error-${field}`}>
      {texts.join(" ")}
    </span>
  );
}

/** Above (or below) a form: that it was not saved, how many problems are shown at their fields,
 * and every problem that belongs to no single field (the API's whole message when none does). */
export function FormErrorSummary({ errors, what, testId }: { errors: FormErrors; what: string; testId?: string }) {
  const placed = Object.values(errors.fields).reduce((sum, texts) => sum + texts.length, 0);
  if (placed === 0 && errors.other.length === 0) return null;
  // "Tier config is invalid: tiers[0].name …, …": its head sums up what is listed at the fields
  const head = errors.listed ? errors.message.split(": ")[0].replace(/\.$/, "") : null;
  const where = placed === 0 ? "" : placed === 1 ? " One problem is shown at its field." : ` ${placed} problems are shown at their fields.`;
  return (
    <div className="error form-errors" role="alert" data-testid={testId}>
      <p>{what} not saved{head ? `: ${head}` : ""}.{where}</p>
      {errors.other.length > 0 && (
        <ul>
          {errors.other.map((problem) => <li key={problem}>{problem}</li>)}
        </ul>
      )}
    </div>
  );
}

type InputProps = ReturnType<typeof invalidProps> & { id: string; "aria-label"?: string };

/** A labelled input (given its props by `children`) with the API's problem for it underneath, tied
 * to it by aria-describedby (outside the label, so it is not part of the input's name). */
export function Field({
  prefix,
  errors,
  path,
  label,
  hintId,
  children,
}: {
  /** what the field belongs to, in its accessible name ("Tier 1" → "Tier 1 name"); without it the
   * label's text is the name */
  prefix?: string;
  errors: FormErrors;
  path: string;
  label: string;
  /** the id of a hint that describes the field too */
  hintId?: string;
  children: (props: InputProps) => ReactNode;
}) {
  const inputId = useId();
  const errorId = useId();
  const name = prefix ? { "aria-label": `${prefix} ${label.charAt(0).toLowerCase()}${label.slice(1)}` } : {};
  return (
    <div className="field">
      <label className="field-label" htmlFor={inputId}>{label}</label>
      {children({ id: inputId, ...name, ...invalidProps(errors, path, errorId, hintId) })}
      <FieldError errors={errors} field={path} id={errorId} />
    </div>
  );
}
