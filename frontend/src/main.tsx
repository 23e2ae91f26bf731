import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Outlet, Route, Routes } from "react-router-dom";
import { CustomerAuth, DeveloperAuth } from "./auth/AppAuth";
import { Landing } from "./pages/Landing";
import { queryClient } from "./queryClient";
import "./styles.css";

// The end users' portal (its own chunk: the chart library) signs in with the customer app; every
// other route with the developers'.
const Portal = lazy(() => import("./pages/Portal").then((module) => ({ default: module.Portal })));
// The dashboard's shell too, and each of its sections in a chunk of its own (src/dashboard/nav.tsx):
// the landing page loads without the charts and the query-heavy pages.
const DashboardApp = lazy(() => import("./dashboard/Shell"));
const loading = <p role="status">Loading…</p>;

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route
            path="/p/:platformId"
            element={
              <CustomerAuth>
                <Suspense fallback={<p role="status">Loading…</p>}>
                  <Portal />
                </Suspense>
              </CustomerAuth>
            }
          />
          <Route
            element={
              <DeveloperAuth>
                <Outlet />
              </DeveloperAuth>
            }
          >
            <Route path="/" element={<Landing />} />
            <Route path="/dashboard/*" element={<Suspense fallback={loading}><DashboardApp /></Suspense>} />
            <Route path="*" element={<Landing />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
