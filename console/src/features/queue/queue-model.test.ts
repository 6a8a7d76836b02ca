import { describe, expect, it } from "vitest";
import type { StoredCase } from "@/lib/case-types";
import { aiStateOf, countQueue, filterQueue, sortQueue } from "./queue-model";
import type { QueueItem } from "./queue-model";

function item(id: string, over: Partial<StoredCase> = {}, village = "Kisumu"): QueueItem {
  return {
    case: {
      id,
      patient_id: `p-${id}`,
      chw_id: "chw-a",
      status: "PENDING_DIAGNOSIS",
      risk_level: "YELLOW",
      triage_data: { body_site: "arm", duration_days: 3, symptoms: [], danger_signs: [] },
      last_modified_at: 1_700_000_000_000,
      needs_doctor: true,
      needs_doctor_since: 1_700_000_000_000,
      ...over,
    },
    patient: {
      id: `p-${id}`,
      chw_id: "chw-a",
      last_modified_at: 1,
      demographics: { name: id, sex: "female", age_years: 30, village },
    },
  };
}

describe("queue model", () => {
  it("puts RED first, then the longest waiting", () => {
    const order = sortQueue([
      item("yellow-old", { needs_doctor_since: 1 }),
      item("red-new", { risk_level: "RED", needs_doctor_since: 300 }),
      item("red-old", { risk_level: "RED", needs_doctor_since: 100 }),
      item("green", { risk_level: "GREEN", needs_doctor_since: 0 }),
    ]).map((i) => i.case.id);
    expect(order).toEqual(["red-old", "red-new", "yellow-old", "green"]);
  });

  it("the default view holds what needs a doctor; the others hold one review state", () => {
    const items = [
      item("waiting"),
      item("asked", { needs_doctor: false, review_state: "waiting_for_chw" }),
      item("answered", { review_state: "answered", queue_reason: "ANSWERED" }),
      item("done", { needs_doctor: false, status: "DIAGNOSED", review_state: "reviewed" }),
      item("deleted", { deleted_at: 5 }),
    ];
    expect(
      filterQueue(items, { view: "queue" })
        .map((i) => i.case.id)
        .sort(),
    ).toEqual(["answered", "waiting"]);
    expect(filterQueue(items, { view: "waiting_for_chw" }).map((i) => i.case.id)).toEqual([
      "asked",
    ]);
    expect(filterQueue(items, { view: "reviewed" }).map((i) => i.case.id)).toEqual(["done"]);
    expect(countQueue(items)).toEqual({
      queue: 2,
      red: 0,
      answered: 1,
      waiting_for_chw: 1,
      reviewed: 1,
    });
  });

  it("filters by risk, CHW and village together", () => {
    const items = [
      item("a", { risk_level: "RED" }, "Kisumu"),
      item("b", { risk_level: "RED", chw_id: "chw-b" }, "Kisumu"),
      item("c", { risk_level: "RED" }, "Siaya"),
      item("d", {}, "Kisumu"),
    ];
    const ids = filterQueue(items, { view: "queue", risk: "RED", chw: "chw-a", village: "Kisumu" });
    expect(ids.map((i) => i.case.id)).toEqual(["a"]);
  });

  it("a RED case past the AI deadline says overdue, a failed one failed", () => {
    expect(
      aiStateOf(item("x", { queue_reason: "AI_OVERDUE", analysis: { state: "queued" } }).case),
    ).toBe("overdue");
    expect(aiStateOf(item("y", { analysis: { state: "failed" } }).case)).toBe("failed");
    expect(aiStateOf(item("z").case)).toBe("none");
  });

  it("a case a cost cap stopped says limited, and stays in the doctors' queue", () => {
    const limited = item("l", {
      risk_level: "RED",
      status: "PENDING_DIAGNOSIS",
      analysis: { state: "limited", limited: { quota: "chw_hour", limit: 12 } },
    });
    expect(aiStateOf(limited.case)).toBe("limited");
    expect(filterQueue([limited], { view: "queue" }).map((i) => i.case.id)).toEqual(["l"]);
  });

  it("an analysis whose urgency disagrees with the case is flagged in the queue", () => {
    const base = item("f").case;
    const flagged = {
      ...base,
      ai_analysis: {
        findings: {
          differential: [],
          urgency: "routine" as const,
          recommended_action: "-",
          red_flags: [],
          confidence: 0.5,
          limitations: [],
        },
        model: "m",
        prompt_version: "v2",
        latency_ms: 1,
        disclaimer: "d",
        urgency_check: {
          case_urgency: "urgent" as const,
          model_urgency: "routine" as const,
          agrees: false,
          flags: ["model_below_danger_signs"],
          reasons: ["danger_sign:bleeding"],
        },
      },
    };
    expect(aiStateOf(flagged)).toBe("flagged");
  });
});
