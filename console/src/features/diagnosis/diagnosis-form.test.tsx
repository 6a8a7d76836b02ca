import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ApiResult } from "@/lib/api-client";
import type { Diagnosis, DiagnosisRequest } from "@/lib/case-types";
import { DiagnosisForm, buildDiagnosisRequest } from "./diagnosis-form";

const saved = (r: DiagnosisRequest): Diagnosis => ({ ...r, case_id: "case-1" });

describe("DiagnosisForm", () => {
  it("a retry after a failed attempt sends the same id, so the server stores one diagnosis", async () => {
    const calls: DiagnosisRequest[] = [];
    const submit = vi.fn((r: DiagnosisRequest): Promise<ApiResult<Diagnosis>> => {
      calls.push(r);
      return Promise.resolve(
        calls.length === 1 ? { kind: "offline" } : { kind: "ok", value: saved(r) },
      );
    });
    render(<DiagnosisForm existing={[]} submit={submit} />);
    const user = userEvent.setup();
    await user.type(screen.getByTestId("diagnosis-text"), "Suspected melanoma");
    await user.click(screen.getByTestId("referral-urgent"));
    await user.type(screen.getByTestId("referral-destination"), "Kisumu County Hospital");
    await user.click(screen.getByTestId("submit-diagnosis"));
    await screen.findByTestId("diagnosis-error");
    await user.click(screen.getByTestId("submit-diagnosis"));
    await screen.findByTestId("diagnosis-saved");
    expect(calls).toHaveLength(2);
    expect(calls[1]?.id).toBe(calls[0]?.id);
    expect(calls[0]?.referral).toEqual({
      decision: "urgent",
      destination: "Kisumu County Hospital",
    });
  });

  it("an already-diagnosed case shows its diagnosis and sends an amendment, never an overwrite", async () => {
    const first: Diagnosis = { id: "d-1", case_id: "case-1", diagnosis_text: "Eczema" };
    const submit = vi.fn((r: DiagnosisRequest): Promise<ApiResult<Diagnosis>> =>
      Promise.resolve({ kind: "ok", value: saved(r) }),
    );
    render(<DiagnosisForm existing={[first]} submit={submit} />);
    expect(screen.getByTestId("current-diagnosis").textContent).toBe("Eczema");
    expect(screen.queryByTestId("diagnosis-text")).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getByTestId("amend-diagnosis"));
    await user.type(screen.getByTestId("diagnosis-text"), "Contact dermatitis");
    await user.click(screen.getByTestId("submit-diagnosis"));
    await screen.findByTestId("diagnosis-saved");
    expect(submit.mock.calls[0]?.[0].amends).toBe("d-1");
  });

  it("a 409 SYNC_4092 shows the other doctor's diagnosis and offers an amendment", async () => {
    const theirs: Diagnosis = { id: "d-9", case_id: "case-1", diagnosis_text: "Tinea corporis" };
    const submit = (): Promise<ApiResult<Diagnosis>> =>
      Promise.resolve({
        kind: "error",
        error: {
          status: 409,
          code: "SYNC_4092",
          message: "already diagnosed",
          body: { diagnosis: theirs },
        },
      });
    render(<DiagnosisForm existing={[]} submit={submit} />);
    const user = userEvent.setup();
    await user.type(screen.getByTestId("diagnosis-text"), "Psoriasis");
    await user.click(screen.getByTestId("submit-diagnosis"));
    await waitFor(() =>
      expect(screen.getByTestId("current-diagnosis").textContent).toBe("Tinea corporis"),
    );
    expect(screen.getByTestId("amend-diagnosis")).toBeTruthy();
  });

  it("refuses a referral without a destination and an out-of-range follow-up", () => {
    const base = {
      text: "x",
      prescription: "",
      destination: "",
      followUpNote: "",
      followUpDays: "",
    };
    expect(buildDiagnosisRequest("i", { ...base, decision: "routine" })).toEqual({
      ok: false,
      problem: "destination",
    });
    expect(buildDiagnosisRequest("i", { ...base, decision: "none", followUpDays: "400" })).toEqual({
      ok: false,
      problem: "followUp",
    });
    expect(buildDiagnosisRequest("i", { ...base, decision: "none", followUpDays: "14" })).toEqual({
      ok: true,
      request: {
        id: "i",
        diagnosis_text: "x",
        referral: { decision: "none" },
        follow_up: { in_days: 14 },
      },
    });
  });
});
