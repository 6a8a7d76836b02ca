import { Resvg } from "@resvg/resvg-js";

/*
 * The app's icons, rendered from one SVG at build time (no binary files in the repository):
 * 192 and 512 px "any" icons with rounded corners, and a 512 px maskable icon whose motif sits
 * inside the central 80 % safe zone so launchers can crop it to any shape.
 */

const BLUE = "#0b5394";

function motif(scale: number): string {
  // A lesion under a magnifier: a white lens ring, a brown spot, a handle.
  const c = 256;
  return `
    <g transform="translate(${c} ${c}) scale(${scale}) translate(${-c} ${-c})">
      <circle cx="236" cy="236" r="120" fill="none" stroke="#ffffff" stroke-width="36"/>
      <circle cx="236" cy="236" r="52" fill="#c98b5b"/>
      <circle cx="218" cy="220" r="18" fill="#7a4a2a"/>
      <line x1="326" y1="326" x2="410" y2="410" stroke="#ffffff" stroke-width="48" stroke-linecap="round"/>
    </g>`;
}

/** The SVG source of an icon. */
export function iconSvg(kind: "any" | "maskable"): string {
  const background =
    kind === "any"
      ? `<rect width="512" height="512" rx="96" fill="${BLUE}"/>`
      : `<rect width="512" height="512" fill="${BLUE}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">${background}${motif(kind === "any" ? 1 : 0.72)}</svg>`;
}

/** PNG bytes of an icon at `size` px. */
export function iconPng(kind: "any" | "maskable", size: number): Buffer {
  const png = new Resvg(iconSvg(kind), { fitTo: { mode: "width", value: size } }).render();
  return Buffer.from(png.asPng());
}

/** Every icon the manifest lists: file name, size and purpose. */
export const ICONS = [
  { src: "icons/icon-192.png", size: 192, purpose: "any" },
  { src: "icons/icon-512.png", size: 512, purpose: "any" },
  { src: "icons/icon-maskable-512.png", size: 512, purpose: "maskable" },
] as const;
