import { createHash, createVerify, generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import type { ImageContentType } from "@dermadetect/contract";
import {
  DOWNLOAD_URL_TTL_MS,
  UPLOAD_SIZE_RANGE,
  UPLOAD_URL_TTL_MS,
  imageKeyFor,
} from "../domain/images";
import { GcsImageStore } from "./gcs-image-store";

// A service-account key generated here: signing is offline, nothing reaches Google.
const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const CLIENT_EMAIL = "images-signer@demo-dermadetect.iam.gserviceaccount.com";
const BUCKET = "demo-dermadetect-images";
const SHA = "ab".repeat(32);
// The library refuses expiries in the past, so the clock is now, to the second.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const stamp = new Date(NOW)
  .toISOString()
  .replace(/[-:]/g, "")
  .replace(/\.\d{3}/, "");

const store = new GcsImageStore(BUCKET, {
  projectId: "demo-dermadetect",
  credentials: { client_email: CLIENT_EMAIL, private_key: privateKey },
});

/** RFC 3986 encoding, as the V4 signing spec canonicalises query strings. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/**
 * Re-derives the V4 string-to-sign from the URL and the headers a client will send, following
 * cloud.google.com/storage/docs/authentication/signatures, and checks the RSA signature with
 * the public key: an independent check of what the URL binds.
 */
function signatureValid(method: string, url: URL, sent: Record<string, string>): boolean {
  const q = new URLSearchParams(url.search);
  const signature = q.get("X-Goog-Signature") ?? "";
  q.delete("X-Goog-Signature");
  const canonicalQuery = [...q.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const signed = (q.get("X-Goog-SignedHeaders") ?? "").split(";");
  const lower = Object.fromEntries(
    Object.entries({ ...sent, host: url.host }).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const canonicalHeaders = signed.map((h) => `${h}:${lower[h] ?? ""}\n`).join("");
  const canonicalRequest = [
    method,
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    signed.join(";"),
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const credential = q.get("X-Goog-Credential") ?? "";
  const scope = credential.slice(credential.indexOf("/") + 1);
  const stringToSign = [
    "GOOG4-RSA-SHA256",
    q.get("X-Goog-Date"),
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  return createVerify("RSA-SHA256")
    .update(stringToSign)
    .verify(publicKey, Buffer.from(signature, "hex"));
}

describe("GcsImageStore signed URLs (offline, local service-account key)", () => {
  const key = imageKeyFor("case-1", SHA, "image/jpeg");
  const signFor = (contentType: ImageContentType) =>
    store.signUpload({ key, contentType, now: NOW, ttlMs: UPLOAD_URL_TTL_MS });

  it("signs a V4 PUT for cases/{case_id}/{sha256}.{ext}, valid 15 minutes at most", async () => {
    const signed = await signFor("image/jpeg");
    const url = new URL(signed.url);
    expect(url.host).to.equal("storage.googleapis.com");
    expect(url.pathname).to.equal(`/${BUCKET}/cases/case-1/${SHA}.jpg`);
    const q = url.searchParams;
    expect(q.get("X-Goog-Algorithm")).to.equal("GOOG4-RSA-SHA256");
    expect(q.get("X-Goog-Credential")).to.match(
      new RegExp(`^${CLIENT_EMAIL}/${stamp.slice(0, 8)}/auto/storage/goog4_request$`),
    );
    expect(q.get("X-Goog-Date")).to.equal(stamp);
    expect(Number(q.get("X-Goog-Expires")))
      .to.be.at.most(900)
      .and.at.least(1);
    expect(signed.expiresAt).to.equal(NOW + Number(q.get("X-Goog-Expires")) * 1000);
    expect(signed.method).to.equal("PUT");
  });

  it("binds Content-Type, the size range and no-overwrite into the signature", async () => {
    const signed = await signFor("image/png");
    const url = new URL(signed.url);
    expect(url.searchParams.get("X-Goog-SignedHeaders")).to.equal(
      "content-type;host;x-goog-content-length-range;x-goog-if-generation-match",
    );
    expect(signed.headers).to.deep.equal({
      "content-type": "image/png",
      "x-goog-content-length-range": UPLOAD_SIZE_RANGE,
      "x-goog-if-generation-match": "0",
    });
    expect(UPLOAD_SIZE_RANGE).to.equal("1,10485760");
    // The headers the response tells the client to send verify; any change breaks the signature.
    expect(signatureValid("PUT", url, signed.headers)).to.equal(true);
    const tampered: Array<Record<string, string>> = [
      { ...signed.headers, "content-type": "image/jpeg" },
      { ...signed.headers, "x-goog-content-length-range": "1,104857600" },
      { ...signed.headers, "x-goog-if-generation-match": "123" },
    ];
    for (const headers of tampered) expect(signatureValid("PUT", url, headers)).to.equal(false);
    expect(signatureValid("GET", url, signed.headers)).to.equal(false);
    const otherPath = new URL(signed.url.replace(SHA, "cd".repeat(32)));
    expect(signatureValid("PUT", otherPath, signed.headers)).to.equal(false);
  });

  it("signs short-lived GET URLs for downloads, bound to the object only", async () => {
    const signed = await store.signDownload({ key, now: NOW, ttlMs: DOWNLOAD_URL_TTL_MS });
    const url = new URL(signed.url);
    expect(signed.method).to.equal("GET");
    expect(Number(url.searchParams.get("X-Goog-Expires"))).to.equal(300);
    expect(url.searchParams.get("X-Goog-SignedHeaders")).to.equal("host");
    expect(signatureValid("GET", url, {})).to.equal(true);
    expect(signatureValid("PUT", url, {})).to.equal(false);
  });
});
