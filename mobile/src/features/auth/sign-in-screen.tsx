import { useState } from "react";
import { Button, Field, P, Screen } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import type { SignInResult } from "@/lib/firebase/auth-port";

/** Sign-in with email and password (accounts are created by admins). */
export function SignInScreen({
  onSignIn,
}: {
  onSignIn: (email: string, password: string) => Promise<SignInResult>;
}) {
  const t = useStrings();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = () => {
    setBusy(true);
    setError(undefined);
    void onSignIn(email.trim(), password).then((r) => {
      setBusy(false);
      if (r.kind === "ok") return;
      setError(
        r.kind === "offline" ? t.signInOffline : r.kind === "not-chw" ? t.notChw : t.signInFailed,
      );
    });
  };

  return (
    <Screen title={t.signInTitle} testID="sign-in-screen">
      <P>{t.appName}</P>
      <Field
        label={t.email}
        value={email}
        onChange={setEmail}
        keyboard="email-address"
        testID="email"
      />
      <Field label={t.password} value={password} onChange={setPassword} secure testID="password" />
      {error && <P testID="sign-in-error">{error}</P>}
      <Button
        label={busy ? t.signingIn : t.signIn}
        onPress={submit}
        disabled={busy || !email || !password}
        testID="sign-in"
      />
    </Screen>
  );
}
