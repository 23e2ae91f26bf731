import { Link } from "react-router-dom";

export function Landing() {
  return (
    <main className="page landing">
      <h1>dream-api</h1>
      <p className="lead">Auth, usage metering and billing for your API — on Cloudflare Workers.</p>
      <ul className="features">
        <li>API keys and Clerk sign-in for your end users</li>
        <li>Monthly limits and per-minute rate limits per tier</li>
        <li>Stripe billing for your users, on your own Stripe account</li>
      </ul>
      <p>Free: 5 calls a month. Paid: 500 calls a month for $29.</p>
      <Link className="button" to="/dashboard">
        Open the dashboard
      </Link>
    </main>
  );
}
