/**
 * Reads the Firestore emulator's rule coverage report (https://firebase.google.com/docs/rules/emulator-reports):
 * `GET /emulator/v1/projects/<id>:ruleCoverage` answers `{rules: {files: [{content}]}, report: [node]}`,
 * where each node is an expression of the loaded rules with `sourcePosition` (line, column,
 * offsets), the `values` it evaluated to with their counts, and its sub-expressions as
 * `children`. An expression that was never evaluated has no `values`.
 */
interface CoverageNode {
  sourcePosition: { line: number; column: number; currentOffset: number; endOffset: number };
  values?: Array<{ count: number }>;
  children?: CoverageNode[];
}

/** The parsed report: every expression, and the rules source it refers to. */
export interface CoverageReport {
  total: number;
  nodes: CoverageNode[];
  source: string;
}

/** Fetches the coverage report for everything evaluated since the emulator started. */
export async function fetchRuleCoverage(projectId: string, port: number): Promise<CoverageReport> {
  const url = `http://127.0.0.1:${port}/emulator/v1/projects/${projectId}:ruleCoverage`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`rule coverage report: HTTP ${res.status}`);
  const body = (await res.json()) as {
    rules?: { files?: Array<{ content?: string }> };
    report?: CoverageNode[];
  };
  const nodes: CoverageNode[] = [];
  const walk = (n: CoverageNode) => {
    nodes.push(n);
    for (const c of n.children ?? []) walk(c);
  };
  for (const n of body.report ?? []) walk(n);
  return { total: nodes.length, nodes, source: body.rules?.files?.[0]?.content ?? "" };
}

/** `line:column expression` for each expression that was never evaluated. */
export function unevaluatedExpressions(report: CoverageReport): string[] {
  return report.nodes
    .filter((n) => !(n.values ?? []).some((v) => v.count > 0))
    .map((n) => {
      const p = n.sourcePosition;
      const text = report.source.slice(p.currentOffset, p.endOffset + 1).replace(/\s+/g, " ");
      return `${p.line}:${p.column} ${text}`;
    });
}
