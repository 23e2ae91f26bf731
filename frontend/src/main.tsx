import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { ClerkAuthProvider } from "./auth/ClerkAuth";
import { DevAuthProvider } from "./auth/DevAuth";
import { useDevAuth } from "./config";
import { Dashboard } from "./pages/Dashboard";
import { Landing } from "./pages/Landing";
import { PublicTiers } from "./pages/PublicTiers";
import { queryClient } from "./queryClient";
import "./styles.css";

const AuthProvider = useDevAuth ? DevAuthProvider : ClerkAuthProvider;

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <BrowserRouter>
          <Routes>
            <Route path="/" element={<Landing />} />
            <Route path="/dashboard" element={<Dashboard />} />
            <Route path="/p/:platformId" element={<PublicTiers />} />
            <Route path="*" element={<Landing />} />
          </Routes>
        </BrowserRouter>
      </AuthProvider>
    </QueryClientProvider>
  </StrictMode>,
);
