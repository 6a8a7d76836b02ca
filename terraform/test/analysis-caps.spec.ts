import { expect } from "chai";
import { LIMITED_LOG } from "../../functions/src/triggers/analyze-case";
import { block, loadTerraform, nested, text } from "./hcl";

describe("terraform: AI cost-cap alert", function () {
  this.timeout(120_000);

  it("counts the code's own 'analysis limited' line per cap and pages on any of them", async () => {
    const stack = (await loadTerraform()).get("modules/dermadetect")!;
    const metric = block(stack, "resource", "google_logging_metric", "analysis_limited").body;
    const filter = text(metric.filter);
    expect(filter).to.include(`jsonPayload.stage="${LIMITED_LOG.stage}"`);
    expect(filter).to.include(`jsonPayload.outcome="${LIMITED_LOG.outcome}"`);
    expect(text(metric.label_extractors)).to.include("EXTRACT(jsonPayload.quota)");
    const policy = block(stack, "resource", "google_monitoring_alert_policy", "analysis_limited");
    const cond = nested(nested(policy.body, "conditions"), "condition_threshold");
    expect(text(cond?.filter)).to.include("google_logging_metric.analysis_limited.name");
    expect(cond?.threshold_value).to.equal(0);
    expect(text(policy.body.notification_channels)).to.include("local.notification_channels");
    expect(text(nested(policy.body, "documentation")?.content)).to.include("AI cost caps");
  });
});
