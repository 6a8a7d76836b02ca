import { useEffect, useRef, useState } from "react";
import { format } from "@/lib/i18n/strings";
import { useStrings } from "@/lib/i18n/use-strings";

const ZOOMS = [1, 1.5, 2, 3, 4];

/** Full-size view of one photo in a modal dialog, with zoom; Escape closes it. */
export function PhotoViewer({ src, n, onClose }: { src: string; n: number; onClose: () => void }) {
  const s = useStrings();
  const [zoom, setZoom] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal?.();
  }, []);
  const pct = Math.round((ZOOMS[zoom] ?? 1) * 100);
  return (
    <dialog
      ref={dialog}
      className="photo-viewer"
      aria-label={format(s.photoViewer, { n })}
      data-testid="photo-viewer"
      onClose={onClose}
      onCancel={onClose}
    >
      <div className="toolbar">
        <button
          type="button"
          onClick={() => setZoom((z) => Math.max(0, z - 1))}
          disabled={zoom === 0}
        >
          {s.zoomOut}
        </button>
        <span aria-live="polite">{format(s.zoomLevel, { pct })}</span>
        <button
          type="button"
          data-testid="zoom-in"
          onClick={() => setZoom((z) => Math.min(ZOOMS.length - 1, z + 1))}
          disabled={zoom === ZOOMS.length - 1}
        >
          {s.zoomIn}
        </button>
        <button type="button" onClick={() => setZoom(0)}>
          {s.zoomReset}
        </button>
        <button type="button" onClick={onClose} autoFocus>
          {s.close}
        </button>
      </div>
      <div className="viewport">
        <img
          src={src}
          alt={format(s.photoAlt, { n })}
          style={{ width: `${pct}%`, maxWidth: zoom === 0 ? "100%" : "none" }}
        />
      </div>
    </dialog>
  );
}
