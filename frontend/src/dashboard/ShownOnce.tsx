// A secret shown this once (a key, a signing secret): the value, a warning that it cannot be shown
// again, a copy button and a way to hide it. The copy button takes the focus, so keyboard and screen
// reader users land on it.
import { useEffect, useRef, useState, type ReactNode } from "react";

export function CopyButton({ text, label, focus = false }: { text: string; label: ReactNode; focus?: boolean }) {
  const [copied, setCopied] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (focus) button.current?.focus();
  }, [focus]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied.");
    } catch {
      setCopied("Could not copy: select it and copy it by hand.");
    }
  };
  return (
    <>
      <button type="button" ref={button} onClick={copy}>{label}</button>
      <span role="status">{copied}</span>
    </>
  );
}

export function ShownOnce({
  title,
  value,
  testId,
  children,
  onHide,
  copyLabel = "Copy",
}: {
  /** "Copy the signing secret now: it is shown only once." */
  title: ReactNode;
  value: string;
  testId: string;
  /** what to do with it */
  children?: ReactNode;
  onHide?: () => void;
  copyLabel?: ReactNode;
}) {
  return (
    <div className="secret shown-once" role="alert" data-testid={`${testId}-box`}>
      <p><strong>{title}</strong></p>
      <code className="shown-once-value" data-testid={testId}>{value}</code>
      {children}
      <div className="actions">
        <CopyButton text={value} label={copyLabel} focus />
        {onHide && <button type="button" className="secondary" onClick={onHide}>Hide</button>}
      </div>
    </div>
  );
}
