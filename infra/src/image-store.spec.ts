import { expect } from "chai";
import {
  LOCAL_TOKEN_PARAM,
  LocalImageStore,
  signLocalGrant,
} from "../../functions/src/adapters/local-image-store";
import { UPLOAD_URL_TTL_MS } from "../../functions/src/domain/images";
import { createLocalImageStore, readEnvLocal } from "./image-store";

const SECRET = "unit-test-secret-unit-test-secret-0123456789";
const KEY = `cases/case-1/${"ab".repeat(32)}.jpg`;

describe("local image store (stand-in for Cloud Storage)", () => {
  const finalized: Array<{ name: string; size: number }> = [];
  const local = createLocalImageStore({
    port: 0,
    secret: SECRET,
    onFinalized: (obj) => {
      finalized.push(obj);
      return Promise.resolve();
    },
    report: () => undefined,
  });
  let stop: () => Promise<void>;
  let client: LocalImageStore;

  before(async () => {
    stop = await local.service.start();
    client = new LocalImageStore(local.baseUrl(), SECRET);
  });
  after(() => stop());
  beforeEach(() => {
    finalized.length = 0;
    local.objects.clear();
  });

  const upload = () =>
    client.signUpload({
      key: KEY,
      contentType: "image/jpeg",
      now: Date.now(),
      ttlMs: UPLOAD_URL_TTL_MS,
    });

  it("accepts a PUT with the signed headers, then calls the verification handler", async () => {
    const signed = await upload();
    expect(signed.expiresAt - Date.now()).to.be.at.most(UPLOAD_URL_TTL_MS);
    const res = await fetch(signed.url, {
      method: signed.method,
      headers: signed.headers,
      body: Buffer.from("photo bytes"),
    });
    expect(res.status).to.equal(200);
    await local.idle();
    expect(finalized).to.deep.equal([{ name: KEY, size: 11 }]);
    expect(await client.read(KEY)).to.deep.equal(Buffer.from("photo bytes"));
    await client.remove(KEY);
    expect(await client.read(KEY)).to.equal(undefined);
  });

  it("refuses changed headers, a second upload, a body outside the range and other keys", async () => {
    const signed = await upload();
    const put = (
      headers: Record<string, string>,
      body: Buffer = Buffer.from("x"),
      url = signed.url,
    ) => fetch(url, { method: "PUT", headers, body }).then((r) => r.status);
    expect(await put({ ...signed.headers, "content-type": "image/png" })).to.equal(403);
    const noRange = { ...signed.headers };
    delete noRange["x-goog-content-length-range"];
    expect(await put(noRange)).to.equal(403);
    expect(await put({ ...signed.headers, "x-goog-content-length-range": "1,999999999" })).to.equal(
      403,
    );
    expect(await put(signed.headers, Buffer.alloc(10 * 1024 * 1024 + 1))).to.equal(400);
    const other = signed.url.replace(
      encodeURIComponent(KEY),
      encodeURIComponent(KEY.replace("ab", "cd")),
    );
    expect(await put(signed.headers, Buffer.from("x"), other)).to.equal(403);
    expect(await put(signed.headers)).to.equal(200);
    expect(await put(signed.headers)).to.equal(412);
    await local.idle();
    expect(finalized).to.have.length(1);
  });

  it("refuses expired, forged and wrong-method tokens", async () => {
    const base = `${local.baseUrl()}/o/${encodeURIComponent(KEY)}?${LOCAL_TOKEN_PARAM}=`;
    const expired = await signLocalGrant(SECRET, { key: KEY, method: "GET" }, Date.now() - 120_000);
    expect((await fetch(base + expired)).status).to.equal(403);
    const forged = await signLocalGrant(
      "another-secret-another-secret-0123456789",
      { key: KEY, method: "GET" },
      Date.now() + 60_000,
    );
    expect((await fetch(base + forged)).status).to.equal(403);
    const putGrant = await signLocalGrant(SECRET, { key: KEY, method: "PUT" }, Date.now() + 60_000);
    expect((await fetch(base + putGrant)).status).to.equal(403);
    expect((await fetch(`${local.baseUrl()}/o/${encodeURIComponent(KEY)}`)).status).to.equal(403);
  });

  it("shares its secret with the functions emulator through functions/.env.local", () => {
    expect(readEnvLocal("LOCAL_IMAGE_STORE_SECRET")).to.have.length.at.least(32);
    expect(readEnvLocal("IMAGE_STORE_URL")).to.equal("http://127.0.0.1:8092");
  });
});
