import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import path from "node:path";
import { generateTriageFixture } from "../../../scripts/generate-triage-model";
import { STAND_IN_DIR } from "../../../scripts/read-model-dir";

beforeAll(async () => {
  tf.env().set("IS_TEST", true); // silences tfjs's "install tfjs-node" banner
  await tf.setBackend("cpu");
});

describe("stand-in model generator", () => {
  it("regenerates the committed fixture byte for byte (deterministic, and the files are current)", async () => {
    const files = await generateTriageFixture();
    expect(Object.keys(files).sort()).toEqual([
      "group1-shard1of1.bin",
      "model.json",
      "triage-meta.json",
    ]);
    for (const [name, bytes] of Object.entries(files)) {
      const committed = readFileSync(path.join(STAND_IN_DIR, name));
      expect({ name, same: Buffer.compare(Buffer.from(bytes), committed) === 0 }).toEqual({
        name,
        same: true,
      });
    }
  });

  it("stays small: the whole fixture is under 100 KB", () => {
    const total = ["model.json", "group1-shard1of1.bin", "triage-meta.json"]
      .map((f) => readFileSync(path.join(STAND_IN_DIR, f)).length)
      .reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(100_000);
  });
});
