// The developer dashboard's app shell: the sign-in gate, a sidebar of the sections (a menu button
// below 48rem), the outcome of a flow that left for Stripe or GitHub, toasts, and the section's
// page, loaded on demand, in <main>.
import { useQueryClient } from "@tanstack/react-query";
import { Suspense, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { Link, NavLink, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { DeveloperSignIn } from "../auth/AppAuth";
import { useSession } from "../auth/context";
import { Icon } from "./Icon";
import { SECTIONS, to } from "./nav";
import { NavigatedContext, NotFoundPage } from "./PageHeader";
import { outcomeOf, returnPath, type Outcome } from "./returns";
import { ToastProvider } from "./toast";
import "./shell.css";

export default function DashboardApp() {
  const session = useSession();
  if (session.loading) return <main className="page"><p role="status">Loading…</p></main>;
  if (!session.signedIn) {
    return (
      <main className="page signin-page">
        <h1>Sign in to your dashboard</h1>
        <DeveloperSignIn />
      </main>
    );
  }
  return (
    <ToastProvider>
      <Shell />
    </ToastProvider>
  );
}

const loadingPage = <p role="status" className="page-loading">Loading…</p>;

function Shell() {
  const session = useSession();
  const queryClient = useQueryClient();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const outcome = useFlowOutcome();
  const firstPath = useRef(location.pathname);
  const navigated = location.pathname !== firstPath.current || firstPath.current === "";
  if (navigated) firstPath.current = ""; // once moved, every later page counts as navigated to
  useEffect(() => setMenuOpen(false), [location.pathname]);
  useScrollToHash(location.hash);
  const signOut = () => {
    queryClient.clear(); // nothing of this account stays in memory
    session.signOut();
  };
  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key === "Escape" && menuOpen) {
      setMenuOpen(false);
      menuButton.current?.focus();
    }
  };
  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="app-sidebar" onKeyDown={closeOnEscape}>
        <div className="app-brand-row">
          <Link to="/dashboard" className="app-brand">dream-api</Link>
          <button
            ref={menuButton}
            className="menu-button secondary"
            aria-expanded={menuOpen}
            aria-controls="dashboard-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <Icon name={menuOpen ? "close" : "menu"} /> Menu
          </button>
        </div>
        <nav id="dashboard-nav" aria-label="Dashboard" className={menuOpen ? "open" : undefined}>
          <ul className="app-nav">
            {SECTIONS.map((section) => (
              <li key={section.path}>
                <NavLink to={to(section.path)} end={section.path === ""}>
                  <Icon name={section.icon} />
                  <span>{section.label}</span>
                </NavLink>
              </li>
            ))}
          </ul>
          <div className="app-account">
            <span className="who" data-testid="signed-in-as">{session.email}</span>
            <button className="link" onClick={signOut}>Sign out</button>
          </div>
        </nav>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        {outcome && <FlowOutcome key={outcome.at} outcome={outcome} />}
        <NavigatedContext.Provider value={navigated}>
        <Suspense fallback={loadingPage}>
          <Routes>
            {SECTIONS.flatMap((section) => [
              section.path === "" ? (
                <Route key="index" index element={<section.page />} />
              ) : (
                <Route key={section.path} path={section.path} element={<section.page />} />
              ),
              ...(section.more ?? []).map((more) => <Route key={more.path} path={more.path} element={<more.page />} />),
            ])}
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Suspense>
        </NavigatedContext.Provider>
      </main>
    </div>
  );
}

type ShownOutcome = Outcome & { path: string; at: number };

// the history entry whose outcome was handled (an effect can run twice for one, in development)
let handledEntry: string | null = null;

/** The outcome in the query of a return from Stripe or GitHub, moved to the page it belongs on;
 * shown there until the developer moves on to another page. */
function useFlowOutcome(): ShownOutcome | null {
  const location = useLocation();
  const navigate = useNavigate();
  const [shown, setShown] = useState<ShownOutcome | null>(null);
  useEffect(() => {
    const query = new URLSearchParams(location.search);
    const outcome = outcomeOf(query);
    if (!outcome || handledEntry === location.key) return;
    handledEntry = location.key;
    const path = location.pathname === "/dashboard" ? returnPath(outcome) : location.pathname;
    for (const name of ["checkout", "session_id", "stripe", "github", "reason"]) query.delete(name);
    const rest = query.toString();
    setShown({ ...outcome, path, at: Date.now() });
    navigate(`${path}${rest ? `?${rest}` : ""}`, { replace: true });
  }, [location.search, location.pathname, location.key, navigate]);
  return shown && shown.path === location.pathname ? shown : null;
}

function FlowOutcome({ outcome }: { outcome: ShownOutcome }) {
  const [dismissed, setDismissed] = useState(false);
  if (dismissed) return null;
  return (
    <div className={outcome.ok ? "notice flow-outcome" : "error-notice flow-outcome"} role={outcome.ok ? "status" : "alert"} data-testid="flow-outcome">
      <span>{outcome.text}</span>
      <button className="link" onClick={() => setDismissed(true)}>Dismiss</button>
    </div>
  );
}

/** A deep link to a part of a page (/dashboard/pricing#credit-packs): scrolls to it once it is
 * rendered (the page and its data load after the URL). */
function useScrollToHash(hash: string) {
  useEffect(() => {
    if (!hash || hash === "#main") return;
    const id = decodeURIComponent(hash.slice(1));
    let tries = 0;
    const timer = window.setInterval(() => {
      const target = document.getElementById(id);
      if (target || ++tries > 40) window.clearInterval(timer);
      target?.scrollIntoView({ block: "start" });
    }, 100);
    return () => window.clearInterval(timer);
  }, [hash]);
}
