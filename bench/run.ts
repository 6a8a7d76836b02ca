/**
 * `npm run bench`: discovers every benchmark (`bench/*.bench.ts`, `mobile/bench/*.bench.ts`),
 * runs the ones that need nothing in this process and the ones that need the local stack inside
 * ONE emulator stack (this script re-invokes itself under infra/src/exec.ts with `--inside`),
 * prints each result as it arrives, and writes bench/REPORT.md and bench/latency.png.
 *
 * Options (after `npm run bench --`):
 *   --filter <text>   run only benchmarks whose file or name contains <text> (repeatable); the
 *                     report then goes to bench/out/ so the committed report stays complete
 *   --timeout <s>     per-benchmark time limit in seconds (default 900)
 */
import { spawn } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { cpus, release, totalmem, type } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { latencyChartSvg } from "./chart";
import { latencyRows, renderReport, resultLine, tally } from "./report";
import type { BenchOutcome, MachineFacts } from "./report";
import type { Bench } from "./types";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BENCH_DIRS = ["bench", "mobile/bench"];
const OUT_DIR = join(ROOT, "bench", "out");

interface Loaded {
  file: string;
  bench: Bench;
}

/** Every `*.bench.ts` file under the benchmark folders, relative to the repository root. */
function discover(): string[] {
  const files: string[] = [];
  for (const dir of BENCH_DIRS) {
    const abs = join(ROOT, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs).sort()) if (f.endsWith(".bench.ts")) files.push(join(dir, f));
  }
  return files;
}

function isBench(x: unknown): x is Bench {
  const b = x as Partial<Bench> | undefined;
  return (
    typeof b === "object" &&
    b !== null &&
    typeof b.name === "string" &&
    (b.needs === "none" || b.needs === "emulators") &&
    typeof b.run === "function"
  );
}

async function load(file: string): Promise<Loaded> {
  const mod = (await import(pathToFileURL(join(ROOT, file)).href)) as { default?: unknown };
  if (!isBench(mod.default)) {
    throw new Error(`${file}: the default export does not implement Bench (bench/types.ts)`);
  }
  return { file, bench: mod.default };
}

function message(e: unknown): string {
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return m.length > 400 ? `${m.slice(0, 400)}…` : m;
}

/** Runs one benchmark with a time limit and prints its results as soon as they exist. */
async function runOne(l: Loaded, index: string, timeoutMs: number): Promise<BenchOutcome> {
  const started = performance.now();
  console.log(`[bench ${index}] ${l.bench.name} (${l.file}, needs ${l.bench.needs}) …`);
  let timer: NodeJS.Timeout | undefined;
  try {
    const results = await Promise.race([
      l.bench.run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
    ]);
    const durationMs = performance.now() - started;
    for (const r of results) console.log(resultLine(r));
    console.log(`[bench ${index}] done in ${(durationMs / 1000).toFixed(1)} s`);
    return { file: l.file, name: l.bench.name, needs: l.bench.needs, durationMs, results };
  } catch (e) {
    const durationMs = performance.now() - started;
    console.log(`[bench ${index}] FAILED: ${message(e)}`);
    return {
      file: l.file,
      name: l.bench.name,
      needs: l.bench.needs,
      durationMs,
      results: [],
      error: message(e),
    };
  } finally {
    clearTimeout(timer);
  }
}

function machineFacts(): MachineFacts {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? "unknown",
    cores: c.length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    os: `${type()} ${release()}`,
  };
}

/** Renders the chart SVG to PNG with resvg and a font shipped in an npm package (no download). */
async function renderPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import("@resvg/resvg-js");
  const require = createRequire(import.meta.url);
  const fontDir = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
  const resvg = new Resvg(svg, {
    font: {
      fontFiles: [join(fontDir, "DejaVuSans.ttf"), join(fontDir, "DejaVuSans-Bold.ttf")],
      loadSystemFonts: false,
      defaultFontFamily: "DejaVu Sans",
    },
    background: "#ffffff",
  });
  return resvg.render().asPng();
}

/** Inside the emulator stack: run the named benchmarks and write their outcomes as JSON. */
async function inside(outFile: string, files: string[], timeoutMs: number): Promise<void> {
  const outcomes: BenchOutcome[] = [];
  for (const [i, file] of files.entries()) {
    let l: Loaded;
    try {
      l = await load(file);
    } catch (e) {
      outcomes.push({
        file,
        name: file,
        needs: "emulators",
        durationMs: 0,
        results: [],
        error: message(e),
      });
      continue;
    }
    outcomes.push(await runOne(l, `emulators ${i + 1}/${files.length}`, timeoutMs));
    // Written after each benchmark so a crash of the stack keeps what was measured.
    writeFileSync(outFile, JSON.stringify(outcomes));
  }
  writeFileSync(outFile, JSON.stringify(outcomes));
}

/** Starts one emulator stack and runs the emulator benchmarks inside it. */
async function underStack(files: string[], timeoutMs: number): Promise<BenchOutcome[]> {
  const outFile = join(OUT_DIR, "emulator-outcomes.json");
  writeFileSync(outFile, "[]");
  console.log(`[bench] starting one emulator stack for ${files.length} benchmark(s) …`);
  const args = [
    "--import",
    "tsx",
    join(ROOT, "infra/src/exec.ts"),
    "--only",
    "firestore,auth,pubsub,functions",
    "--",
    process.execPath,
    "--import",
    "tsx",
    join(ROOT, "bench/run.ts"),
    "--inside",
    outFile,
    "--timeout",
    String(timeoutMs / 1000),
    ...files.flatMap((f) => ["--file", f]),
  ];
  // The stack's own output (every function invocation is logged) goes to a file; the console
  // gets this harness's progress lines and the stack's warnings and errors.
  const logFile = join(OUT_DIR, "emulators.log");
  const log = createWriteStream(logFile);
  const code = await new Promise<number>((resolveCode) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // The functions count their Firestore operations per call (bench/ops.bench.ts).
      env: { ...process.env, FIRESTORE_COUNT_OPS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        log.write(`${line}\n`);
        if (/^(\[bench|  \S|dermadetect:|⚠|!|Error)/.test(line)) console.log(line);
      });
    }
    child.once("exit", (c) => resolveCode(c ?? 1));
  });
  await new Promise<void>((r) => log.end(r));
  console.log(
    `[bench] emulator stack stopped (code ${code}); its full output: ${relative(ROOT, logFile)}`,
  );
  const done = JSON.parse(readFileSync(outFile, "utf8")) as BenchOutcome[];
  const missing = files.filter((f) => !done.some((o) => o.file === f));
  for (const file of missing) {
    done.push({
      file,
      name: file,
      needs: "emulators",
      durationMs: 0,
      results: [],
      error: `the emulator stack exited (code ${code}) before this benchmark finished`,
    });
  }
  return done;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      inside: { type: "string" },
      file: { type: "string", multiple: true },
      filter: { type: "string", multiple: true },
      timeout: { type: "string", default: "900" },
    },
  });
  const timeoutMs = Number(values.timeout) * 1000;
  mkdirSync(OUT_DIR, { recursive: true });
  if (values.inside !== undefined) {
    await inside(values.inside, values.file ?? [], timeoutMs);
    return;
  }

  const startedAt = new Date();
  const t0 = performance.now();
  const filters = values.filter ?? [];
  const loaded: Loaded[] = [];
  const outcomes: BenchOutcome[] = [];
  for (const file of discover()) {
    try {
      const l = await load(file);
      if (filters.length && !filters.some((f) => file.includes(f) || l.bench.name.includes(f)))
        continue;
      loaded.push(l);
    } catch (e) {
      if (filters.length && !filters.some((f) => file.includes(f))) continue;
      console.log(`[bench] cannot load ${file}: ${message(e)}`);
      outcomes.push({
        file,
        name: file,
        needs: "none",
        durationMs: 0,
        results: [],
        error: message(e),
      });
    }
  }
  const direct = loaded.filter((l) => l.bench.needs === "none");
  const stacked = loaded.filter((l) => l.bench.needs === "emulators");
  console.log(
    `[bench] ${loaded.length} benchmark(s): ${direct.length} without emulators, ${stacked.length} on the emulator stack`,
  );
  for (const [i, l] of direct.entries())
    outcomes.push(await runOne(l, `${i + 1}/${direct.length}`, timeoutMs));
  if (stacked.length)
    outcomes.push(
      ...(await underStack(
        stacked.map((l) => l.file),
        timeoutMs,
      )),
    );

  const partial = filters.length > 0;
  const outDir = partial ? OUT_DIR : join(ROOT, "bench");
  const rows = latencyRows(outcomes);
  const svg = latencyChartSvg(rows, `DermaDetect latency percentiles, ${startedAt.toISOString()}`);
  writeFileSync(join(OUT_DIR, "latency.svg"), svg);
  let chartFile: string | undefined = "latency.png";
  try {
    writeFileSync(join(outDir, chartFile), await renderPng(svg));
  } catch (e) {
    console.log(`[bench] chart not rendered: ${message(e)}`);
    chartFile = undefined;
  }
  const reportFile = join(outDir, "REPORT.md");
  writeFileSync(
    reportFile,
    renderReport({
      outcomes,
      machine: machineFacts(),
      startedAt,
      durationMs: performance.now() - t0,
      command: partial
        ? `npm run bench -- --filter ${filters.join(" --filter ")}`
        : "npm run bench",
      ...(chartFile ? { chartFile } : {}),
    }) + "\n",
  );
  const t = tally(outcomes);
  console.log(
    `[bench] ${t.results} result(s): ${t.passed} ratio(s) met, ${t.failed} missed, ${t.errors} benchmark(s) failed. Report: ${relative(ROOT, reportFile)}`,
  );
  process.exitCode = t.failed + t.errors > 0 ? 1 : 0;
}

main().then(
  // Benchmarks may leave SDK clients with open handles; the run is over, so leave.
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(`[bench] ${message(e)}`);
    process.exit(1);
  },
);
