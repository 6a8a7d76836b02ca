import type { SaveCaseResult } from "@/features/sync/sync-engine";
import { fireEvent, render, screen, waitFor } from "@testing-library/react-native";
import type { PatientRecord } from "@dermadetect/contract";
import { isCaseRecord } from "@dermadetect/contract";
import { LanguageProvider } from "@/lib/i18n/use-strings";
import { DANGER_SIGN_CODES, SYMPTOM_CODES } from "@/features/triage/api";
import type { CapturedPhoto } from "@/features/photos/photo";
import { assessWithTriage } from "./assess-with-triage";
import { NewCaseScreen } from "./new-case-screen";

const patient: PatientRecord = {
  id: "p1",
  demographics: { name: "Achieng", sex: "female", age_years: 40, village: "Kisumu" },
  last_modified_at: 1_700_000_000_000,
};

// A camera cannot run in Jest: this source hands back one already-resized photo.
const photo: CapturedPhoto = {
  bytes: new Uint8Array([1, 2, 3]),
  contentType: "image/jpeg",
  width: 1024,
  height: 768,
  sha256: "a".repeat(64),
};

function renderScreen(
  onSave = jest.fn(() => Promise.resolve<SaveCaseResult>({ kind: "ok", id: "case-1" })),
) {
  render(
    <LanguageProvider language="en">
      <NewCaseScreen
        patient={patient}
        photoSource={{ capture: () => Promise.resolve(photo) }}
        symptomCodes={SYMPTOM_CODES}
        dangerSignCodes={DANGER_SIGN_CODES}
        assess={assessWithTriage(Promise.resolve(null), () => 1_700_000_000_000)}
        onSave={onSave}
        onCancel={() => undefined}
      />
    </LanguageProvider>,
  );
  return onSave;
}

describe("NewCaseScreen", () => {
  it("assesses with the danger-sign rules and saves a RED case with its photo and provenance", async () => {
    const onSave = renderScreen();
    fireEvent.changeText(screen.getByLabelText("Where is the lesion? (body site)"), "left forearm");
    fireEvent.changeText(screen.getByLabelText("How many days has it been there?"), "21");
    fireEvent.press(screen.getByLabelText("Bleeding"));
    fireEvent.press(screen.getByLabelText("Add photo"));
    await screen.findByText("1 photo(s)");
    expect(screen.getByLabelText("Save case")).toBeDisabled();

    fireEvent.press(screen.getByLabelText("Assess risk"));
    await screen.findByText("RED: high risk");
    expect(screen.getByText("Danger-sign rules only (no model installed)")).toBeTruthy();
    expect(screen.getByTestId("triage-rules")).toHaveTextContent("Why: bleeding");

    fireEvent.press(screen.getByLabelText("Save case"));
    expect(onSave).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByTestId("save-case")).not.toBeDisabled());
    const [saved, photos] = onSave.mock.calls[0] as unknown as [
      { risk_level: string; triage_data: Record<string, unknown> },
      CapturedPhoto[],
    ];
    expect(saved.risk_level).toBe("RED");
    expect(saved.triage_data).toMatchObject({
      body_site: "left forearm",
      duration_days: 21,
      danger_signs: ["bleeding"],
      on_device: { model_id: "rules-only", risk_level: "RED", rules_fired: ["bleeding"] },
    });
    expect(photos).toEqual([photo]);
    // What the screen produces passes the shared contract the server applies.
    const record = {
      id: "c1",
      patient_id: "p1",
      ...saved,
      images: [{ sha256: photo.sha256, content_type: "image/jpeg", bytes: 3 }],
      last_modified_at: 1_700_000_000_000,
    };
    expect(isCaseRecord(record)).toBe(true);
  });

  it("an edit after assessing invalidates the result; nothing is saved without one", async () => {
    const onSave = renderScreen();
    fireEvent.changeText(screen.getByLabelText("Where is the lesion? (body site)"), "back");
    fireEvent.changeText(screen.getByLabelText("How many days has it been there?"), "3");
    fireEvent.press(screen.getByLabelText("Assess risk"));
    await screen.findByText("GREEN: low risk");
    fireEvent.press(screen.getByLabelText("Fever"));
    await waitFor(() => expect(screen.queryByText("GREEN: low risk")).toBeNull());
    fireEvent.press(screen.getByLabelText("Save case"));
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.press(screen.getByLabelText("Assess risk"));
    await screen.findByText("RED: high risk");
  });

  it("a photo the phone could not store is shown on it; the case is not reported saved", async () => {
    const onSave = renderScreen(
      jest.fn(() =>
        Promise.resolve<SaveCaseResult>({
          kind: "photos-not-stored",
          failed: [{ sha256: photo.sha256, code: "STORAGE_FULL" }],
        }),
      ),
    );
    fireEvent.changeText(screen.getByLabelText("Where is the lesion? (body site)"), "arm");
    fireEvent.changeText(screen.getByLabelText("How many days has it been there?"), "3");
    fireEvent.press(screen.getByLabelText("Add photo"));
    await screen.findByText("1 photo(s)");
    fireEvent.press(screen.getByLabelText("Assess risk"));
    await screen.findByTestId("triage-result");
    fireEvent.press(screen.getByLabelText("Save case"));
    expect(await screen.findByTestId("photo-not-stored-0")).toHaveTextContent(
      "Photo 1 could not be stored on this phone (storage is full). The case is not saved yet.",
    );
    expect(onSave).toHaveBeenCalledTimes(1);
    // The CHW decides: removing the photo invalidates the assessment (it used the photo).
    fireEvent.press(screen.getByTestId("remove-unstored"));
    expect(await screen.findByText("0 photo(s)")).toBeTruthy();
    expect(screen.getByTestId("save-case")).toBeDisabled();
  });

  it("asks for room for the photos already on the form too, and refuses one that would not fit", async () => {
    const photos: CapturedPhoto[] = [1, 2, 3].map((n) => ({
      ...photo,
      bytes: new Uint8Array(100 * n),
      sha256: String(n).repeat(64),
    }));
    const asked: number[] = [];
    // Room for 300 bytes: the first two photos (100 + 200) fit, the third (+300) does not.
    const checkPhotoSpace = jest.fn((bytes: number) => {
      asked.push(bytes);
      return Promise.resolve(bytes <= 300 ? ("ok" as const) : ("full" as const));
    });
    render(
      <LanguageProvider language="en">
        <NewCaseScreen
          patient={patient}
          photoSource={{ capture: () => Promise.resolve(photos.shift()) }}
          symptomCodes={SYMPTOM_CODES}
          dangerSignCodes={DANGER_SIGN_CODES}
          assess={assessWithTriage(Promise.resolve(null), () => 1_700_000_000_000)}
          checkPhotoSpace={checkPhotoSpace}
          onSave={jest.fn()}
          onCancel={() => undefined}
        />
      </LanguageProvider>,
    );
    fireEvent.press(screen.getByLabelText("Add photo"));
    await screen.findByText("1 photo(s)");
    fireEvent.press(screen.getByLabelText("Add photo"));
    await screen.findByText("2 photo(s)");
    fireEvent.press(screen.getByLabelText("Add photo"));
    expect(await screen.findByTestId("photo-storage-full")).toHaveTextContent(/Storage is full/);
    expect(screen.getByText("2 photo(s)")).toBeTruthy();
    expect(asked).toEqual([100, 300, 600]);
  });
});
