import { Link } from "react-router-dom";
import { config } from "../config";
import "../portal.css";

const FEATURES = [
  {
    title: "API keys & end-user sign-in",
    text: "Keys for your servers (shown once, rotatable, revocable) and sign-in for your end users, each with a portal of their own.",
  },
  {
    title: "Exact metering",
    text: "Every call counted exactly from anywhere: monthly limits and per-minute rates per tier, units per call (say, AI tokens) and prepaid credits.",
  },
  {
    title: "Stripe billing, your account",
    text: "Your end users pay you through your own connected Stripe account: subscriptions, credit packs, and overage billed per unit.",
  },
  {
    title: "Webhooks & alerts",
    text: "Signed webhooks when a user nears or hits a limit, runs low on credits or changes plan.",
  },
];

export function Landing() {
  const curl = `curl -X POST ${config.apiMulti}/api/data \\\n  -H "authorization: Bearer $KEY" \\\n  -H "x-user-id: user_42"`;
  return (
    <div className="portal-shell">
      <main className="page landing">
        <header className="landing-hero">
          <p className="portal-kicker">Auth, metering and billing for your API</p>
          <h1>dream-api</h1>
          <p className="landing-lead">
            You build the endpoint. We handle who may call it, count every call and bill your users for it, on
            Cloudflare Workers.
          </p>
          <Link className="button" to="/dashboard">
            Open the dashboard
          </Link>
        </header>

        <section aria-labelledby="landing-features-title">
          <h2 id="landing-features-title" className="visually-hidden">
            What you get
          </h2>
          <ul className="landing-grid">
            {FEATURES.map((feature) => (
              <li className="portal-card" key={feature.title}>
                <h3>{feature.title}</h3>
                <p>{feature.text}</p>
              </li>
            ))}
          </ul>
        </section>

        <div className="landing-columns">
          <section className="portal-card" aria-labelledby="landing-pricing-title">
            <h2 id="landing-pricing-title">Pricing</h2>
            <div className="landing-plans">
              <div>
                <h3>Free</h3>
                <p className="portal-price">$0</p>
                <p className="portal-hint">5 calls a month, to try it out.</p>
              </div>
              <div>
                <h3>Paid</h3>
                <p className="portal-price">
                  $29<span> / month</span>
                </p>
                <p className="portal-hint">500 calls a month.</p>
              </div>
            </div>
            <p className="portal-hint">What your own end users pay is up to you: you set your tiers and prices.</p>
          </section>

          <section className="portal-card" aria-labelledby="landing-start-title">
            <h2 id="landing-start-title">Quick start</h2>
            <ol className="landing-steps">
              <li>Sign up on the dashboard.</li>
              <li>Generate your API key (shown once: keep it secret).</li>
              <li>Meter a call for one of your users:</li>
            </ol>
            <pre>
              <code>{curl}</code>
            </pre>
          </section>
        </div>
      </main>
    </div>
  );
}
