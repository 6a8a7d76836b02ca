import { useState } from "react";
import type { FormEvent } from "react";
import { format } from "@/lib/i18n/strings";
import { useStrings } from "@/lib/i18n/use-strings";
import type { SignInResult } from "./use-session";

/** Email and password sign-in. */
export function SignInScreen({
  onSignIn,
}: {
  onSignIn: (email: string, password: string) => Promise<SignInResult>;
}) {
  const s = useStrings();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const result = await onSignIn(email.trim(), password);
    setBusy(false);
    if (result.kind === "rejected") setError(s.signInFailed);
    if (result.kind === "offline") setError(s.signInOffline);
  }
  return (
    <main id="main" className="narrow" data-testid="sign-in-screen">
      <h1>{s.signInTitle}</h1>
      <p>{s.signInIntro}</p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label>
          {s.email}
          <input
            data-testid="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          {s.password}
          <input
            data-testid="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button data-testid="sign-in" type="submit" disabled={busy}>
          {busy ? s.signingIn : s.signIn}
        </button>
      </form>
    </main>
  );
}

/** What a CHW (or role-less) account sees: a refusal, and nothing was read for it. */
export function AccessRefused({ email, onSignOut }: { email: string; onSignOut: () => void }) {
  const s = useStrings();
  return (
    <main id="main" className="narrow" data-testid="access-refused">
      <h1>{s.accessRefusedTitle}</h1>
      <p role="alert">{format(s.accessRefused, { email })}</p>
      <button type="button" onClick={onSignOut}>
        {s.signOut}
      </button>
    </main>
  );
}
