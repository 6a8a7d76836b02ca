import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import type { TurnaroundStage } from "@/lib/case-types";

// Only the pieces a bar chart needs (Chart.js is tree-shakable when registered this way).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const minutes = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 6_000) / 10);

/** Draws p50 and p95 per stage (minutes) on the canvas; answers a function that removes it. */
export function drawTurnaroundChart(
  canvas: HTMLCanvasElement,
  stages: readonly TurnaroundStage[],
  labels: { p50: string; p95: string; minutes: string },
): () => void {
  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: stages.map((s) => s.stage),
      datasets: [
        {
          label: labels.p50,
          data: stages.map((s) => minutes(s.p50_ms)),
          backgroundColor: "#0b57d0",
        },
        {
          label: labels.p95,
          data: stages.map((s) => minutes(s.p95_ms)),
          backgroundColor: "#b00020",
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: labels.minutes } } },
    },
  });
  return () => chart.destroy();
}
