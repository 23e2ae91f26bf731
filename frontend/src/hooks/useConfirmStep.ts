import { useEffect, useRef, useState } from "react";

type Step = "idle" | "asking" | "cancelled";

/** An action asked for first: `ask()` shows the confirmation and moves focus to its "yes" button;
 * `cancel()` (or Escape, wired by the caller) hides it and gives focus back to the button that
 * opened it; `done()` hides it after the action. Focus moves after the render, because each
 * button exists only while its step is shown. */
export function useConfirmStep() {
  const [step, setStep] = useState<Step>("idle");
  const yes = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (step === "asking") yes.current?.focus();
    if (step === "cancelled") opener.current?.focus();
  }, [step]);
  return {
    asking: step === "asking",
    yes,
    opener,
    ask: () => setStep("asking"),
    done: () => setStep("idle"),
    cancel: () => setStep("cancelled"),
  };
}
