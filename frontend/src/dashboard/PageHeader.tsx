import { createContext, useContext, useEffect, useRef, type ReactNode } from "react";
import { Link, useLocation } from "react-router-dom";

/** Whether the shell moved to another page since it was opened: the first page the document shows
 * keeps the focus where the browser put it; after that, moving to another page moves the focus to
 * its heading, so screen readers announce the new page. */
export const NavigatedContext = createContext(false);

/** A page's heading (also the document's title) and what the page is for. */
export function PageHeader({ title, lead, children }: { title: ReactNode; lead?: ReactNode; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const navigated = useContext(NavigatedContext);
  const { pathname } = useLocation();
  const text = typeof title === "string" ? title : null;
  useEffect(() => {
    document.title = `${text ?? heading.current?.textContent ?? "Dashboard"} · dream-api`;
  }, [text]);
  useEffect(() => {
    if (navigated) heading.current?.focus({ preventScroll: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pathname]);
  return (
    <header className="page-header">
      <div>
        <h1 ref={heading} tabIndex={-1} className="page-title">{title}</h1>
        {lead && <p className="page-lead">{lead}</p>}
      </div>
      {children && <div className="page-header-actions">{children}</div>}
    </header>
  );
}

/** An empty state: what is missing, and the action that fills it. */
export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty-state" data-testid={testId}>
      <p className="empty-state-title">{title}</p>
      {children}
    </div>
  );
}

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" lead="The dashboard has no page at this address." />
      <EmptyState title="Nothing here.">
        <p><Link to="/dashboard">Go to the overview</Link></p>
      </EmptyState>
    </>
  );
}
