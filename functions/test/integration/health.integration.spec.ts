import { expect } from "chai";
import { API_BASE_URL } from "../../../infra/src/stack";

describe("api on the functions emulator", () => {
  it("GET /v1/health answers 200 {status:ok}", async () => {
    const res = await fetch(`${API_BASE_URL}/v1/health`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: "ok" });
    expect(res.headers.get("x-request-id")).to.be.a("string");
  });

  it("answers an unknown route with a coded 404 and no stack trace", async () => {
    const res = await fetch(`${API_BASE_URL}/v1/does-not-exist`);
    expect(res.status).to.equal(404);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).to.equal("SYNC_1002");
    expect(JSON.stringify(body)).to.not.match(/at .*\.js:\d+/);
  });
});
