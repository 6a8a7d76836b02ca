import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import type { CaseReview } from "@/lib/case-types";
import { CaseReviewView } from "./case-review-view";

const DISCLAIMER = "Decision support only — a clinician must confirm. Not a diagnosis.";

function review(over: Partial<CaseReview["case"]> = {}): CaseReview {
  return {
    case: {
      id: "case-1",
      patient_id: "p-1",
      chw_id: "chw-a",
      status: "PENDING_DIAGNOSIS",
      risk_level: "RED",
      last_modified_at: 1_700_000_000_000,
      triage_data: {
        body_site: "left forearm",
        duration_days: 21,
        symptoms: ["itching"],
        danger_signs: ["bleeding"],
        on_device: { model_id: "m", model_version: "1", fixture: true, risk_level: "RED" },
        // A key from a newer app.
        ...({ pain_score: 7 } as object),
      },
      ai_analysis: {
        findings: {
          differential: [{ condition: "Melanoma", likelihood: "high" }],
          urgency: "urgent",
          recommended_action: "Refer",
          red_flags: [],
          confidence: 0.6,
          limitations: [],
        },
        model: "medgemma-4b-it",
        prompt_version: "v3",
        latency_ms: 1234,
        disclaimer: DISCLAIMER,
        fixture: true,
      },
      ...over,
    },
    patient: {
      id: "p-1",
      chw_id: "chw-a",
      last_modified_at: 1,
      demographics: { name: "Achieng", sex: "female", age_years: 42, village: "Kisumu" },
    },
    photos: [
      {
        index: 0,
        sha256: "a".repeat(64),
        content_type: "image/png",
        state: "verified",
        url: "http://127.0.0.1:8092/o/x?token=t",
        expires_at: 1,
      },
      {
        index: 1,
        sha256: "b".repeat(64),
        content_type: "image/png",
        state: "queued",
        url: null,
        expires_at: null,
      },
    ],
    history: [],
    diagnoses: [],
    claim: null,
  };
}

describe("CaseReviewView", () => {
  it("shows the AI disclaimer verbatim, labels stand-in output and the demo model", () => {
    render(
      <CaseReviewView
        review={review()}
        claim={{ kind: "none" }}
        photoUrl={(u) => u}
        backHref="#/"
      />,
    );
    expect(screen.getByTestId("ai-disclaimer").textContent).toBe(DISCLAIMER);
    expect(screen.getByTestId("ai-stand-in")).toBeTruthy();
    expect(screen.getByTestId("demo-model").textContent).toBe("demo model — not for clinical use");
    expect(screen.getByTestId("ai-analysis").textContent).toContain("v3");
    expect(screen.getByTestId("ai-analysis").textContent).toContain("1234 ms");
  });

  it("renders unknown triage keys as other details and photos through the rewrite", () => {
    render(
      <CaseReviewView
        review={review()}
        claim={{ kind: "none" }}
        photoUrl={(u) => u.replace("http://127.0.0.1:8092", "/image-store")}
        backHref="#/"
      />,
    );
    expect(screen.getByTestId("other-details").textContent).toContain("pain score");
    expect(screen.getByTestId("case-photo-0").getAttribute("src")).toBe("/image-store/o/x?token=t");
    expect(screen.queryByTestId("case-photo-1")).toBeNull();
    expect(screen.getByText("Photo 2: queued")).toBeTruthy();
  });

  it("names the other doctor who holds the claim", () => {
    render(
      <CaseReviewView
        review={review()}
        claim={{
          kind: "other",
          claim: { doctor_id: "d2", doctor_name: "Dr Okello", expires_at: 1 },
        }}
        photoUrl={(u) => u}
        backHref="#/"
      />,
    );
    expect(screen.getByTestId("claimed-by-other").textContent).toContain("Dr Okello");
  });

  it("a case without an analysis says so instead of showing a disclaimer", () => {
    render(
      <CaseReviewView
        review={review({
          ai_analysis: null,
          analysis: { state: "failed", error: { code: "X", message: "model unavailable" } },
        })}
        claim={{ kind: "none" }}
        photoUrl={(u) => u}
        backHref="#/"
      />,
    );
    expect(screen.queryByTestId("ai-disclaimer")).toBeNull();
    expect(screen.getByTestId("ai-analysis").textContent).toContain("model unavailable");
  });

  it("shows the doctor an urgency the AI gave against the case's danger signs", () => {
    const base = review().case;
    render(
      <CaseReviewView
        review={review({
          ai_analysis: {
            ...base.ai_analysis!,
            findings: { ...base.ai_analysis!.findings, urgency: "routine" },
            urgency_check: {
              case_urgency: "urgent",
              model_urgency: "routine",
              agrees: false,
              flags: ["model_below_danger_signs"],
              reasons: ["danger_sign:bleeding", "risk:RED"],
            },
          },
        })}
        claim={{ kind: "none" }}
        photoUrl={(u) => u}
        backHref="#/"
      />,
    );
    const flag = screen.getByTestId("ai-urgency-flag").textContent ?? "";
    expect(flag).toContain("routine");
    expect(flag).toContain("urgent");
    expect(flag).toContain("danger_sign:bleeding");
  });

  it("says when a cost cap stopped the analysis", () => {
    render(
      <CaseReviewView
        review={review({
          ai_analysis: null,
          analysis: {
            state: "limited",
            error: { code: "AI_6005", message: "limit" },
            limited: { quota: "chw_hour", limit: 12 },
          },
        })}
        claim={{ kind: "none" }}
        photoUrl={(u) => u}
        backHref="#/"
      />,
    );
    expect(screen.getByTestId("ai-limited").textContent).toContain("chw_hour");
    expect(screen.queryByTestId("ai-urgency-flag")).toBeNull();
  });
});
