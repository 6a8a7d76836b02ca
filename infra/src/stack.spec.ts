import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StackError, checkPorts, portIsFree, writeLauncherJar } from "./stack";

describe("local stack launcher", () => {
  it("writes a manifest-only jar that unzip can read back", () => {
    const jar = join(mkdtempSync(join(tmpdir(), "dd-jar-")), "launcher.jar");
    writeLauncherJar(jar, "/opt/x/emulator.jar");
    const r = spawnSync("unzip", ["-p", jar, "META-INF/MANIFEST.MF"], { encoding: "utf8" });
    if (r.error) {
      // unzip missing: check the zip structure by its signatures instead.
      const buf = readFileSync(jar);
      expect(buf.readUInt32LE(0)).to.equal(0x04034b50);
      expect(buf.toString("latin1")).to.contain("Class-Path: file:/opt/x/emulator.jar");
      return;
    }
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain(
      "Main-Class: com.google.cloud.datastore.emulator.firestore.CloudFirestore",
    );
    expect(r.stdout).to.contain("Class-Path: file:/opt/x/emulator.jar");
  });

  it("reports a busy port as a StackError with a fix", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await portIsFree(port)).to.equal(false);
      let caught: unknown;
      try {
        await checkPorts({ firestore: port });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(StackError);
      expect((caught as StackError).message).to.contain(`Port ${port} (firestore)`);
      expect((caught as StackError).fix).to.contain(`:${port}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await portIsFree(port)).to.equal(true);
  });
});
