import type { CaseStatus, RiskLevel } from "@dermadetect/contract";
import type { CaseImage } from "./images";

/** Stage instants of a case (epoch ms), docs/decisions/2026-11-data-layout.md. */
export interface CaseTimeline {
  captured_at?: number;
  synced_at?: number;
  last_synced_at?: number;
  analysis_requested_at?: number;
  analysed_at?: number;
  diagnosed_at?: number;
}

/**
 * The fields of `cases/{id}` that the image and diagnosis paths read. The sync core owns the
 * full shape; this view is deliberately partial and every field is optional except the owner.
 */
export interface CaseView {
  chw_id: string;
  patient_id?: string;
  risk_level?: RiskLevel;
  status?: CaseStatus;
  images?: Partial<CaseImage>[];
  content_version?: number;
  deleted_at?: number | null;
  timeline?: CaseTimeline;
  doctor_id?: string;
  server_seq?: number;
  created_at?: unknown;
  triage_data?: unknown;
  ai_analysis?: unknown;
  analysis?: unknown;
}
