import { render, screen } from "@testing-library/react-native";
import { LanguageProvider } from "@/lib/i18n/use-strings";
import { KNOWN_DEMOGRAPHICS, OtherDetails, humanise } from "./other-details";

describe("OtherDetails", () => {
  it("shows keys a newer app sent as humanised rows; scalars as text, objects as compact JSON", () => {
    render(
      <LanguageProvider language="en">
        <OtherDetails
          testID="patient-other"
          known={KNOWN_DEMOGRAPHICS}
          data={{
            name: "Achieng",
            village: "Kisumu",
            follow_up_date: "2026-12-10",
            householdSize: 6,
            pregnant: false,
            guardian: { name: "Otieno", phone: "+254700" },
            languages: ["luo", "sw"],
          }}
        />
      </LanguageProvider>,
    );
    expect(screen.getByText("Other details")).toBeTruthy();
    expect(screen.getByTestId("patient-other-follow_up_date")).toHaveTextContent(
      "Follow up date2026-12-10",
    );
    expect(screen.getByTestId("patient-other-householdSize")).toHaveTextContent("Household size6");
    expect(screen.getByTestId("patient-other-pregnant")).toHaveTextContent("Pregnantfalse");
    expect(screen.getByTestId("patient-other-guardian")).toHaveTextContent(
      'Guardian{"name":"Otieno","phone":"+254700"}',
    );
    expect(screen.getByTestId("patient-other-languages")).toHaveTextContent(
      'Languages["luo","sw"]',
    );
    // Keys the app shows itself are not repeated.
    expect(screen.queryByTestId("patient-other-name")).toBeNull();
    expect(screen.queryByTestId("patient-other-village")).toBeNull();
  });

  it("renders nothing when every key is known", () => {
    render(
      <LanguageProvider language="en">
        <OtherDetails testID="x" known={KNOWN_DEMOGRAPHICS} data={{ name: "A", village: "B" }} />
      </LanguageProvider>,
    );
    expect(screen.queryByText("Other details")).toBeNull();
    expect(humanise("bloodPressure")).toBe("Blood pressure");
  });
});
