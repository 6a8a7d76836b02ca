import { act, fireEvent, render, screen } from "@testing-library/react-native";
import { LanguageProvider } from "@/lib/i18n/use-strings";
import type { CaseView } from "@/features/sync/record-state";
import { CaseDetailScreen, caseTimeline, imageState } from "./case-detail-screen";
import type { AddPhotoOutcome } from "./case-detail-screen";

const sha = "b".repeat(64);
const view: CaseView = {
  record: {
    id: "c1",
    patient_id: "p1",
    triage_data: {
      body_site: "left forearm",
      duration_days: 3,
      symptoms: [],
      danger_signs: ["bleeding"],
    },
    risk_level: "RED",
    images: [{ sha256: sha, content_type: "image/jpeg", bytes: 10 }],
    last_modified_at: 1,
  },
  state: { kind: "applied" },
  server: { server_seq: 3, images: [{ sha256: sha, state: "verified" }] },
  diagnoses: [],
};

/** `view` with a doctor's open request for a photo. */
function askedForPhoto(message: string): CaseView {
  return {
    ...view,
    server: {
      ...view.server,
      review_state: "waiting_for_chw",
      info_request: {
        id: "r1",
        kind: "photo",
        message,
        requested_by_name: "Dr Amina",
        answered_at: null,
      },
    },
  };
}

function renderDetail(
  v: CaseView,
  onFix = jest.fn(),
  onDiscard = jest.fn(),
  extra: Partial<Parameters<typeof CaseDetailScreen>[0]> = {},
) {
  render(
    <LanguageProvider language="en">
      <CaseDetailScreen
        view={v}
        patientName="Achieng"
        uploads={[]}
        onFix={onFix}
        onDiscard={onDiscard}
        onBack={jest.fn()}
        {...extra}
      />
    </LanguageProvider>,
  );
}

describe("CaseDetailScreen", () => {
  it("shows the timeline from server facts: uploaded, waiting for AI and doctor", () => {
    renderDetail(view);
    expect(screen.getByTestId("stepUploaded-done")).toBeTruthy();
    expect(screen.getByTestId("stepAnalysed-waiting")).toBeTruthy();
    expect(screen.getByTestId("stepDiagnosed-waiting")).toBeTruthy();
    expect(screen.getByText("1. Received and checked")).toBeTruthy();
    expect(screen.getByText("Waiting for the AI analysis")).toBeTruthy();
  });

  it("shows the AI analysis with its fixture label and the doctor's diagnosis", () => {
    renderDetail({
      ...view,
      state: { kind: "diagnosed" },
      server: {
        ...view.server,
        status: "DIAGNOSED",
        ai_analysis: {
          fixture: true,
          disclaimer: "Not a diagnosis.",
          findings: {
            urgency: "urgent",
            recommended_action: "Refer",
            differential: [{ condition: "Melanoma", likelihood: "medium" }],
            red_flags: ["bleeding"],
          },
        },
      },
      diagnoses: [
        { id: "d1", case_id: "c1", diagnosis_text: "Refer to hospital", prescription: "Letter" },
      ],
    });
    expect(
      screen.getByText("Test output from a stand-in model, not a clinical result"),
    ).toBeTruthy();
    expect(screen.getByText("Urgency: urgent")).toBeTruthy();
    expect(screen.getByText("• Melanoma (medium)")).toBeTruthy();
    expect(screen.getByText("Refer to hospital")).toBeTruthy();
    expect(screen.getByTestId("stepDiagnosed-done")).toBeTruthy();
  });

  it("a rejected case offers fix and discard", () => {
    const onFix = jest.fn();
    const onDiscard = jest.fn();
    renderDetail(
      { ...view, state: { kind: "rejected", reason: "INVALID_RECORD", batchId: "b" }, server: {} },
      onFix,
      onDiscard,
    );
    expect(screen.getByText("Refused by the server (INVALID_RECORD)")).toBeTruthy();
    fireEvent.press(screen.getByLabelText("Fix and resend"));
    fireEvent.press(screen.getByLabelText("Discard"));
    expect(onFix).toHaveBeenCalledTimes(1);
    expect(onDiscard).toHaveBeenCalledTimes(1);
  });

  it("prefers the server's image state, else the local queue's", () => {
    const local = {
      caseId: "c1",
      sha256: sha,
      contentType: "image/jpeg",
      bytes: 1,
      risk: "RED" as const,
      createdAt: 0,
      state: "failed" as const,
      attempts: 1,
      nextAttemptAt: 0,
      lastError: "OFFLINE",
    };
    expect(imageState(sha, [{ sha256: sha, state: "queued" }], local)).toEqual({
      state: "failed",
      reason: "OFFLINE",
    });
    expect(imageState(sha, [{ sha256: sha, state: "verified" }], local)).toEqual({
      state: "verified",
    });
    expect(imageState(sha, undefined, undefined)).toEqual({ state: "queued" });
    expect(
      caseTimeline({ ...view, state: { kind: "pending" }, server: {} }).map((s) => s.done),
    ).toEqual([true, false, false, false]);
  });

  const structured = {
    id: "d2",
    case_id: "c1",
    diagnosis_text: "Suspected melanoma",
    created_at: 2,
    referral: { decision: "urgent" as const, destination: "District hospital" },
    follow_up: { in_days: 7, note: "Check she went" },
    doctor_name: "Dr Amina",
    amends: "d1",
  };
  const earlier = { id: "d1", case_id: "c1", diagnosis_text: "Eczema", created_at: 5 };

  it("shows the current structured diagnosis and shares its referral note", () => {
    const share = jest.fn().mockResolvedValue("shared");
    renderDetail(
      { ...view, state: { kind: "diagnosed" }, diagnoses: [earlier, structured] },
      jest.fn(),
      jest.fn(),
      { share },
    );
    // The amendment wins over the older diagnosis it amends, whatever the clocks say.
    expect(screen.getByText("Suspected melanoma")).toBeTruthy();
    expect(screen.queryByText("Eczema")).toBeNull();
    expect(screen.getByTestId("diagnosis-referral")).toHaveTextContent(
      "URGENT referral: District hospital",
    );
    expect(screen.getByTestId("diagnosis-follow-up")).toHaveTextContent("Follow up in 7 days");
    expect(screen.getByTestId("diagnosis-amended")).toBeTruthy();
    expect(screen.getByTestId("referral-note")).toHaveTextContent(/Patient: Achieng/);
    fireEvent.press(screen.getByTestId("share-referral"));
    expect(share).toHaveBeenCalledTimes(1);
    const [, text] = share.mock.calls[0] as [string, string];
    expect(text).toContain("District hospital");
    expect(text).toContain("left forearm");
    expect(text).toContain("By Dr Amina");
  });

  it("has no referral note when the doctor refers nobody", () => {
    renderDetail({
      ...view,
      diagnoses: [{ ...structured, amends: null, referral: { decision: "none" } }],
    });
    expect(screen.getByTestId("diagnosis-referral")).toHaveTextContent("No referral needed");
    expect(screen.queryByTestId("referral-note")).toBeNull();
    expect(screen.queryByTestId("share-referral")).toBeNull();
  });

  it("shows on the case a photo the phone refused to store, and one refused for lack of space", async () => {
    const asked = askedForPhoto("A closer photo");
    const outcomes: AddPhotoOutcome[] = [
      { kind: "not-stored", code: "STORAGE_FULL" },
      { kind: "storage-full" },
      { kind: "added" },
    ];
    const onAddPhoto = jest.fn(() => Promise.resolve(outcomes.shift()!));
    renderDetail(asked, jest.fn(), jest.fn(), { onAddPhoto });
    const press = () =>
      act(async () => {
        fireEvent.press(screen.getByTestId("answer-add-photo"));
        await Promise.resolve();
      });
    await press();
    expect(screen.getByTestId("add-photo-not-stored")).toHaveTextContent(
      /could not be stored on this phone \(storage is full\): it was not added/,
    );
    await press();
    expect(screen.getByTestId("add-photo-storage-full")).toBeTruthy();
    expect(screen.queryByTestId("add-photo-not-stored")).toBeNull();
    await press();
    expect(screen.queryByTestId("add-photo-storage-full")).toBeNull();
    expect(onAddPhoto).toHaveBeenCalledTimes(3);
  });

  it("shows the doctor's request with a way to answer it by text or photo", async () => {
    const onAnswer = jest.fn();
    const onAddPhoto = jest.fn(() => Promise.resolve({ kind: "added" as const }));
    const asked = askedForPhoto("A closer photo in daylight");
    renderDetail(asked, jest.fn(), jest.fn(), { onAnswer, onAddPhoto });
    expect(screen.getByTestId("info-request")).toHaveTextContent(
      /The doctor asks: A closer photo in daylight/,
    );
    await act(async () => {
      fireEvent.press(screen.getByTestId("answer-add-photo"));
      await Promise.resolve();
    });
    expect(onAddPhoto).toHaveBeenCalledTimes(1);
    fireEvent.press(screen.getByTestId("answer-send"));
    expect(onAnswer).not.toHaveBeenCalled();
    fireEvent.changeText(screen.getByTestId("answer-text"), "  It bleeds at night ");
    fireEvent.press(screen.getByTestId("answer-send"));
    expect(onAnswer).toHaveBeenCalledWith("It bleeds at night");
  });

  it("says the answer went back once the server marks the request answered", () => {
    renderDetail({
      ...view,
      server: {
        ...view.server,
        review_state: "answered",
        info_request: { id: "r1", kind: "information", message: "Since when?", answered_at: 9 },
      },
    });
    expect(screen.queryByTestId("info-request")).toBeNull();
    expect(screen.getByTestId("info-request-answered")).toBeTruthy();
  });
});
