import { fireEvent, render, screen } from "@testing-library/react-native";
import { isPatientRecord } from "@dermadetect/contract";
import { LanguageProvider } from "@/lib/i18n/use-strings";
import { STRINGS } from "@/lib/i18n/strings";
import type { PatientView } from "@/features/sync/record-state";
import { PatientFormScreen } from "./patient-form-screen";
import { FIRST_ROWS, PatientListScreen, searchPatients } from "./patient-list-screen";

const p = (id: string, name: string, village: string): PatientView => ({
  record: {
    id,
    demographics: { name, sex: "female", age_years: 30, village },
    last_modified_at: 1,
  },
  state: { kind: "pending" },
});

describe("patient screens", () => {
  it("the list searches by name or village and shows each record's sync state", () => {
    const patients = [p("1", "Achieng", "Kisumu"), p("2", "Wanjiru", "Nyeri")];
    expect(searchPatients(patients, "nye").map((x) => x.record.id)).toEqual(["2"]);
    expect(searchPatients(patients, " ACH ").map((x) => x.record.id)).toEqual(["1"]);
    const onOpen = jest.fn();
    render(
      <LanguageProvider language="sw">
        <PatientListScreen
          patients={patients}
          waiting={2}
          onOpen={onOpen}
          onNew={jest.fn()}
          onOpenSync={jest.fn()}
          onSignOut={jest.fn()}
        />
      </LanguageProvider>,
    );
    expect(screen.getAllByText(STRINGS.sw.statepending)).toHaveLength(2);
    expect(screen.getByText("Usawazishaji: 2 zinasubiri")).toBeTruthy();
    fireEvent.changeText(screen.getByLabelText(STRINGS.sw.searchPatients), "wanj");
    expect(screen.queryByText("Achieng")).toBeNull();
    fireEvent.press(screen.getByLabelText("Wanjiru, Nyeri"));
    expect(onOpen).toHaveBeenCalledWith("2");
  });

  it("draws about a screen of a long list first, says how many there are and what the search kept", () => {
    const patients = Array.from({ length: 500 }, (_, i) =>
      p(`id-${i}`, `Patient ${String(i).padStart(3, "0")}`, i === 499 ? "Bondo" : "Siaya"),
    );
    render(
      <LanguageProvider language="en">
        <PatientListScreen
          patients={patients}
          waiting={0}
          onOpen={jest.fn()}
          onNew={jest.fn()}
          onOpenSync={jest.fn()}
          onSignOut={jest.fn()}
        />
      </LanguageProvider>,
    );
    const rows = () => screen.queryAllByTestId(/^patient-id-/).length;
    expect(rows()).toBeGreaterThanOrEqual(FIRST_ROWS);
    // Not all 500: drawing every row on each sync update is what kept the list blank.
    expect(rows()).toBeLessThan(100);
    expect(screen.getByText("Patient 000")).toBeTruthy();
    expect(screen.getByTestId("patient-count")).toHaveTextContent("500 patients");
    expect(screen.getByTestId("sign-out")).toBeTruthy();
    fireEvent.changeText(screen.getByLabelText("Search patients by name or village"), "bondo");
    expect(rows()).toBe(1);
    expect(screen.getByText("Patient 499")).toBeTruthy();
    expect(screen.getByTestId("patient-count")).toHaveTextContent("1 of 500 patients");
  });

  it("the form refuses bad fields and saves demographics the contract accepts", () => {
    const onSave = jest.fn(() => true);
    render(
      <LanguageProvider language="en">
        <PatientFormScreen onSave={onSave} onCancel={jest.fn()} />
      </LanguageProvider>,
    );
    fireEvent.changeText(screen.getByLabelText("Name"), "Achieng");
    fireEvent.changeText(screen.getByLabelText("Age (years)"), "abc");
    fireEvent.press(screen.getByLabelText("Save"));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.getByText("Please check the highlighted fields")).toBeTruthy();
    fireEvent.changeText(screen.getByLabelText("Age (years)"), "42");
    fireEvent.changeText(screen.getByLabelText("Village"), "Kisumu");
    fireEvent.press(screen.getByLabelText("Female"));
    fireEvent.press(screen.getByLabelText("Save"));
    expect(onSave).toHaveBeenCalledWith({
      name: "Achieng",
      sex: "female",
      age_years: 42,
      village: "Kisumu",
    });
    const demographics = (onSave.mock.calls[0] as unknown as [object])[0];
    expect(isPatientRecord({ id: "x", demographics, last_modified_at: 1_700_000_000_000 })).toBe(
      true,
    );
  });

  it("editing keeps the keys a newer app added to the demographics, in place", () => {
    const onSave = jest.fn(() => true);
    const initial = {
      id: "p1",
      demographics: {
        name: "Achieng",
        date_of_birth: "1990-01-02",
        sex: "female" as const,
        age_years: 35,
        village: "Kisumu",
        phone: "+254 700",
        guardian: { name: "Awino" },
      },
      last_modified_at: 1,
    };
    render(
      <LanguageProvider language="en">
        <PatientFormScreen initial={initial} onSave={onSave} onCancel={jest.fn()} />
      </LanguageProvider>,
    );
    fireEvent.changeText(screen.getByLabelText("Village"), "Kondele");
    fireEvent.changeText(screen.getByLabelText("Phone (optional)"), "");
    fireEvent.press(screen.getByLabelText("Save"));
    const saved = (onSave.mock.calls[0] as unknown as [Record<string, unknown>])[0];
    expect(saved).toEqual({
      name: "Achieng",
      date_of_birth: "1990-01-02",
      sex: "female",
      age_years: 35,
      village: "Kondele",
      guardian: { name: "Awino" },
    });
    expect(Object.keys(saved).slice(0, 2)).toEqual(["name", "date_of_birth"]);
  });
});
