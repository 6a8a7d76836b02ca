import { useMemo, useState } from "react";
import { Route, Router, Switch, useParams } from "wouter";
import { useHashLocation } from "wouter/use-hash-location";
import type { Auth } from "firebase/auth";
import type { Firestore } from "firebase/firestore";
import type { ApiClient } from "@/lib/api-client";
import { createApiClient } from "@/lib/api-client";
import type { ConsoleConfig } from "@/lib/config";
import { rewritePhotoUrl } from "@/lib/config";
import { sexLabel } from "@/lib/format";
import type { Diagnosis, DiagnosisRequest } from "@/lib/case-types";
import type { Language } from "@/lib/i18n/strings";
import { format } from "@/lib/i18n/strings";
import { LanguageProvider, useStrings } from "@/lib/i18n/use-strings";
import { AccessRefused, SignInScreen } from "@/features/auth/sign-in-screen";
import { signIn, signOutOf, useSession } from "@/features/auth/use-session";
import { QueueView, useNow } from "@/features/queue/queue-screen";
import { useQueue } from "@/features/queue/use-queue";
import { CaseReviewView } from "@/features/review/case-review-view";
import { useCaseReview } from "@/features/review/use-case-review";
import { AskChwForm } from "@/features/review/ask-chw-form";
import { DiagnosisForm } from "@/features/diagnosis/diagnosis-form";
import { ReferralNote } from "@/features/diagnosis/referral-note";
import { TurnaroundScreen } from "@/features/turnaround/turnaround-screen";
import type { InfoRequest, InfoRequestBody } from "@dermadetect/contract";

/** What the app is built from (made once in main.tsx). */
export interface ConsoleServices {
  config: ConsoleConfig;
  auth: Auth;
  db: Firestore;
}

type Who = { uid: string; name: string; role: "doctor" | "admin" };

function QueueRoute({ db, who }: { db: Firestore; who: Who }) {
  const data = useQueue(db, who);
  const now = useNow();
  return (
    <QueueView
      items={data.items}
      loading={data.loading}
      error={data.error}
      now={now}
      uid={who.uid}
      caseHref={(id) => `#/cases/${encodeURIComponent(id)}`}
    />
  );
}

function ReviewRoute({ api, who, config }: { api: ApiClient; who: Who; config: ConsoleConfig }) {
  const s = useStrings();
  const { id = "" } = useParams<{ id: string }>();
  const { data } = useCaseReview(api, id, who.role === "doctor");
  const [saved, setSaved] = useState<Diagnosis>();
  if (data.kind === "loading") return <p>{s.loading}</p>;
  if (data.kind === "error") {
    const message =
      data.error === "offline"
        ? s.errorOffline
        : data.error.status === 403 || data.error.status === 404
          ? s.reviewForbidden
          : data.error.message;
    return (
      <section data-testid="case-review-error">
        <p role="alert" className="error">
          {format(s.reviewLoadFailed, { message })}
        </p>
        <a href="#/">{s.backToQueue}</a>
      </section>
    );
  }
  const submit = (request: DiagnosisRequest) =>
    api.post<Diagnosis>(`/v1/cases/${encodeURIComponent(id)}/diagnoses`, request);
  const review = data.review;
  const photoUrl = (url: string) => rewritePhotoUrl(url, config.photoRewrite);
  const latest = saved ?? review.diagnoses[review.diagnoses.length - 1];
  const d = review.patient?.demographics;
  const ai = review.case.ai_analysis?.findings;
  const note = latest && (
    <ReferralNote
      diagnosis={latest}
      facts={{
        patientName: d?.name ?? "-",
        patientLine: d ? `${d.age_years} · ${sexLabel(d.sex, s)} · ${d.village}` : "-",
        bodySite: review.case.triage_data?.body_site ?? "-",
        findings: [
          review.case.triage_data?.danger_signs?.join(", "),
          ai?.differential.map((x) => x.condition).join(", "),
        ]
          .filter(Boolean)
          .join(" · "),
        photoUrls: review.photos.flatMap((p) => (p.url ? [photoUrl(p.url)] : [])),
      }}
    />
  );
  const ask = (body: InfoRequestBody) =>
    api.post<InfoRequest>(`/v1/cases/${encodeURIComponent(id)}/requests`, body);
  return (
    <CaseReviewView
      review={data.review}
      claim={data.claim}
      backHref="#/"
      photoUrl={photoUrl}
      actions={
        who.role === "doctor" ? (
          <>
            <DiagnosisForm existing={review.diagnoses} submit={submit} onSaved={setSaved} />
            {note}
            {review.case.status !== "DIAGNOSED" && !saved && (
              <AskChwForm current={review.case.info_request} send={ask} />
            )}
          </>
        ) : (
          <>
            <p className="muted">{s.readOnlyNote}</p>
            {note}
          </>
        )
      }
    />
  );
}

function Shell({ services }: { services: ConsoleServices }) {
  const s = useStrings();
  const session = useSession(services.auth);
  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: services.config.apiBaseUrl,
        idToken: async () => services.auth.currentUser?.getIdToken(),
      }),
    [services],
  );
  if (session.kind === "loading") return <p>{s.loading}</p>;
  if (session.kind === "signed-out")
    return <SignInScreen onSignIn={(e, p) => signIn(services.auth, e, p)} />;
  if (session.kind === "refused")
    return <AccessRefused email={session.email} onSignOut={() => void signOutOf(services.auth)} />;
  const who: Who = { uid: session.uid, name: session.name, role: session.role };
  return (
    <Router hook={useHashLocation}>
      <header className="top">
        <strong>{s.appName}</strong>
        <nav aria-label="main">
          <a href="#/">{s.navQueue}</a> <a href="#/turnaround">{s.navTurnaround}</a>
        </nav>
        <span data-testid="signed-in-as">
          {format(s.signedInAs, { name: session.name })}
          {session.role === "admin" && (
            <span className="badge" data-testid="read-only">
              {" "}
              {s.readOnly}
            </span>
          )}
        </span>
        <button type="button" onClick={() => void signOutOf(services.auth)}>
          {s.signOut}
        </button>
      </header>
      <main id="main">
        <Switch>
          <Route path="/turnaround">
            <TurnaroundScreen api={api} />
          </Route>
          <Route path="/cases/:id">
            <ReviewRoute api={api} who={who} config={services.config} />
          </Route>
          <Route>
            <QueueRoute db={services.db} who={who} />
          </Route>
        </Switch>
      </main>
    </Router>
  );
}

/** The console: language switch, sign-in gate, routes. */
export function App({ services }: { services: ConsoleServices }) {
  const [language, setLanguage] = useState<Language>(services.config.language ?? "en");
  return (
    <LanguageProvider language={language}>
      <a className="skip" href="#main">
        {language === "sw" ? "Ruka hadi maudhui makuu" : "Skip to main content"}
      </a>
      <div className="language">
        <label>
          {language === "sw" ? "Lugha" : "Language"}{" "}
          <select
            data-testid="language"
            value={language}
            onChange={(e) => setLanguage(e.target.value as Language)}
          >
            <option value="en">English</option>
            <option value="sw">Kiswahili</option>
          </select>
        </label>
      </div>
      <Shell services={services} />
    </LanguageProvider>
  );
}
