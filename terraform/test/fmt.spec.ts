import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TERRAFORM_DIR } from "./hcl";

/** Runs `terraform fmt -check -recursive` on a directory; fails loudly when terraform is missing. */
function fmtCheck(dir: string): { status: number; output: string } {
  const run = spawnSync("terraform", ["fmt", "-check", "-recursive", "-diff", dir], {
    encoding: "utf8",
    // No CLI config file is needed for fmt; pointing at /dev/null silences the missing-file warning.
    env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" },
  });
  if (run.error && (run.error as NodeJS.ErrnoException).code === "ENOENT")
    throw new Error(
      "terraform is not on PATH: install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install) to check formatting",
    );
  if (run.error) throw run.error;
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

describe("terraform fmt", function () {
  this.timeout(60_000);

  it("finds every .tf file formatted (terraform fmt -check -recursive)", () => {
    const { status, output } = fmtCheck(TERRAFORM_DIR);
    expect(status, output).to.equal(0);
  });

  it("flags a badly formatted file", () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-fmt-"));
    try {
      writeFileSync(join(dir, "main.tf"), 'locals {\n  a = "x"\n      bb="y"\n}\n');
      expect(fmtCheck(dir).status).to.not.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
