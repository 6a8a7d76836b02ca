import { useRef, useState } from "react";
import type { FormEvent } from "react";
import { REVIEW_LIMITS } from "@dermadetect/contract";
import type { InfoRequest, InfoRequestBody, InfoRequestKind } from "@dermadetect/contract";
import type { ApiResult } from "@/lib/api-client";
import { newId } from "@/lib/api-client";
import { formatTime } from "@/lib/format";
import { format } from "@/lib/i18n/strings";
import { useLanguage, useStrings } from "@/lib/i18n/use-strings";
import { RadioOptions } from "@/lib/radio-options";

/**
 * "Ask the CHW": a better photo or more information. The request id is kept across failed
 * attempts (the route is idempotent on it); the case leaves the queue until the CHW answers.
 */
export function AskChwForm({
  current,
  send,
}: {
  current: InfoRequest | null | undefined;
  send: (body: InfoRequestBody) => Promise<ApiResult<InfoRequest>>;
}) {
  const s = useStrings();
  const language = useLanguage();
  const id = useRef(newId());
  const [request, setRequest] = useState(current ?? null);
  const [kind, setKind] = useState<InfoRequestKind>("photo");
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const kindLabels = { photo: s.askPhoto, information: s.askInformation };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const text = message.trim();
    if (!text) return setError(s.askMessageRequired);
    setBusy(true);
    setError(null);
    const r = await send({ id: id.current, kind, message: text });
    setBusy(false);
    if (r.kind === "ok") {
      setRequest(r.value);
      setSent(true);
      setMessage("");
      id.current = newId();
      return;
    }
    setError(
      format(s.askFailed, { message: r.kind === "offline" ? s.errorOffline : r.error.message }),
    );
  }

  const open = request && request.answered_at == null;
  return (
    <section className="card" aria-labelledby="ask-title" data-testid="ask-chw">
      <h2 id="ask-title">{s.askTitle}</h2>
      {request && (
        <p data-testid="info-request">
          {format(s.askPending, {
            time: formatTime(request.requested_at, language),
            message: request.message,
          })}
          {request.answered_at != null && (
            <> · {format(s.askAnswered, { time: formatTime(request.answered_at, language) })}</>
          )}
        </p>
      )}
      {sent && (
        <p role="status" className="ok" data-testid="ask-sent">
          {s.askSent}
        </p>
      )}
      {!open && (
        <form onSubmit={(e) => void onSubmit(e)} className="stack" noValidate>
          <fieldset>
            <legend>{s.askKind}</legend>
            <RadioOptions name="ask" labels={kindLabels} value={kind} onChange={setKind} />
          </fieldset>
          <label>
            {s.askMessage}
            <textarea
              data-testid="ask-message"
              rows={2}
              maxLength={REVIEW_LIMITS.requestMessageMax}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
          </label>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <button type="submit" data-testid="ask-send" disabled={busy}>
            {s.askSend}
          </button>
        </form>
      )}
    </section>
  );
}
