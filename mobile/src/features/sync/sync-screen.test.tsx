import { fireEvent, render, screen } from "@testing-library/react-native";
import { LanguageProvider } from "@/lib/i18n/use-strings";
import type { SyncSnapshot } from "./sync-engine";
import { SyncScreen } from "./sync-screen";

const base: SyncSnapshot = {
  online: true,
  records: { patients: [], cases: [], rejected: [], unconfirmed: 0 },
  batches: [],
  uploads: [],
  completeness: { kind: "unknown" },
  refused: [],
  lastConfirmedAt: undefined,
  lastReceiptAt: undefined,
  clockSkewMs: 0,
  history: [],
};

function renderSync(
  s: Partial<SyncSnapshot>,
  handlers: Partial<Record<"onRetry" | "onFix" | "onDiscard", jest.Mock>> = {},
) {
  render(
    <LanguageProvider language="en">
      <SyncScreen
        snapshot={{ ...base, ...s }}
        onRetry={handlers.onRetry ?? jest.fn()}
        onFix={handlers.onFix ?? jest.fn()}
        onDiscard={handlers.onDiscard ?? jest.fn()}
        onBack={jest.fn()}
      />
    </LanguageProvider>,
  );
}

describe("SyncScreen", () => {
  it("claims nothing before the server has answered", () => {
    renderSync({ records: { ...base.records, unconfirmed: 3 } });
    expect(screen.getByText("Records waiting for the server: 3")).toBeTruthy();
    expect(screen.getByText("Last confirmed sync: never")).toBeTruthy();
    expect(screen.getByText("Not yet checked with the server")).toBeTruthy();
    expect(screen.queryByTestId("clock-skew")).toBeNull();
  });

  it("shows the server's clock-skew report, an incomplete manifest and photos still queued", () => {
    renderSync({
      clockSkewMs: 2 * 24 * 3600_000,
      completeness: {
        kind: "incomplete",
        at: 1,
        local: { count: 4, hash: "a" },
        server: { count: 5, hash: "b" },
      },
      uploads: [
        {
          caseId: "c",
          sha256: "s",
          contentType: "image/jpeg",
          bytes: 1,
          risk: "RED",
          createdAt: 0,
          state: "failed",
          attempts: 2,
          nextAttemptAt: 0,
        },
      ],
    });
    expect(screen.getByText(/clock is 2880 min ahead/)).toBeTruthy();
    expect(
      screen.getByText("This phone is missing data (4 of 5 records). Re-downloading…"),
    ).toBeTruthy();
    expect(screen.getByText("Photos waiting to upload: 1")).toBeTruthy();
  });

  it("lists a rejected record with its reason; fix, discard and retry call back", () => {
    const item = {
      table: "patients" as const,
      id: "p9",
      batchId: "b1",
      reason: "NOT_OWNER",
      record: {} as never,
    };
    const onFix = jest.fn();
    const onDiscard = jest.fn();
    const onRetry = jest.fn();
    renderSync({ records: { ...base.records, rejected: [item] } }, { onFix, onDiscard, onRetry });
    expect(screen.getByText("Patient · Refused by the server (NOT_OWNER)")).toBeTruthy();
    fireEvent.press(screen.getByTestId("fix-p9"));
    fireEvent.press(screen.getByTestId("discard-p9"));
    fireEvent.press(screen.getByLabelText("Retry sync now"));
    expect(onFix).toHaveBeenCalledWith(item);
    expect(onDiscard).toHaveBeenCalledWith(item);
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it("shows a batch that was not delivered with resend, export and remove, each calling back", () => {
    const onResend = jest.fn();
    const onExport = jest.fn();
    const onDismiss = jest.fn();
    render(
      <LanguageProvider language="en">
        <SyncScreen
          snapshot={{
            ...base,
            refused: [
              { id: "b1", code: "WRITE_REFUSED:permission-denied", count: 2, by: "device" },
            ],
          }}
          onRetry={jest.fn()}
          onFix={jest.fn()}
          onDiscard={jest.fn()}
          onResend={onResend}
          onExport={onExport}
          onDismiss={onDismiss}
          onBack={jest.fn()}
        />
      </LanguageProvider>,
    );
    expect(screen.getByTestId("refused-b1")).toBeTruthy();
    expect(
      screen.getByText(/2 record\(s\) not accepted \(WRITE_REFUSED:permission-denied\)/),
    ).toBeTruthy();
    fireEvent.press(screen.getByTestId("resend-b1"));
    fireEvent.press(screen.getByTestId("export-b1"));
    fireEvent.press(screen.getByTestId("dismiss-b1"));
    expect(onResend).toHaveBeenCalledWith("b1");
    expect(onExport).toHaveBeenCalledWith("b1");
    expect(onDismiss).toHaveBeenCalledWith("b1");
  });
});
