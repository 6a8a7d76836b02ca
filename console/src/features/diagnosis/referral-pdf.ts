import { jsPDF } from "jspdf";

/** What a referral note carries (already in the reader's language). */
export interface ReferralNoteContent {
  title: string;
  rows: [label: string, value: string][];
  /** Same-origin photo URLs; drawn as thumbnails. */
  photoUrls: string[];
  fileName: string;
}

/** Draws a photo into a small JPEG data URL (same origin, so the canvas is not tainted). */
async function thumbnail(url: string, max = 480): Promise<{ data: string; w: number; h: number }> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const scale = Math.min(1, max / Math.max(img.naturalWidth, img.naturalHeight));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(img.naturalWidth * scale);
  canvas.height = Math.round(img.naturalHeight * scale);
  canvas.getContext("2d")?.drawImage(img, 0, 0, canvas.width, canvas.height);
  return { data: canvas.toDataURL("image/jpeg", 0.85), w: canvas.width, h: canvas.height };
}

/** Builds the referral note as an A4 PDF (jsPDF) and offers it as a download. */
export async function downloadReferralPdf(note: ReferralNoteContent): Promise<void> {
  const pdf = new jsPDF({ unit: "mm", format: "a4" });
  let y = 20;
  pdf.setFontSize(16);
  pdf.text(note.title, 15, y);
  y += 10;
  pdf.setFontSize(11);
  for (const [label, value] of note.rows) {
    const lines = pdf.splitTextToSize(value || "-", 125) as string[];
    pdf.setFont("helvetica", "bold");
    pdf.text(label, 15, y);
    pdf.setFont("helvetica", "normal");
    pdf.text(lines, 65, y);
    y += 6 * Math.max(1, lines.length) + 2;
  }
  let x = 15;
  for (const url of note.photoUrls.slice(0, 6)) {
    try {
      const t = await thumbnail(url);
      const w = 55;
      const h = (t.h / t.w) * w;
      if (x + w > 195) {
        x = 15;
        y += h + 5;
      }
      pdf.addImage(t.data, "JPEG", x, y, w, h);
      x += w + 5;
    } catch {
      // A photo whose URL expired is left out; the note still carries everything else.
    }
  }
  pdf.save(note.fileName);
}
