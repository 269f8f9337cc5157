// The GPU scripts' accounting: which checks a run must make on this machine (planned up front),
// which it made, which passed. A run is green only when every planned check ran and passed, so a
// section that never ran (a failed compile, a missing model folder, an exception before its
// checks) turns the run red instead of vanishing from it. Pure, so vitest tests it on CPU.

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckRecord {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface PlanSummary {
  planned: number;
  /** Planned checks with at least one pass or fail recorded. */
  ran: number;
  /** Planned checks that ran and whose every record passed. */
  passed: number;
  /** Names with a failed record (planned or not). */
  failed: string[];
  /** Planned checks with no pass or fail: never reached, or skipped. */
  notRun: string[];
  /** Skips recorded, with their reasons (a skip is never a pass). */
  skipped: { name: string; reason: string }[];
  /** Names recorded that the plan does not list: a bug in the script's plan, so a failure. */
  unplanned: string[];
  ok: boolean;
  /** "N of M planned checks ran, K passed" and what is wrong, for the log. */
  line: string;
}

export class CheckPlan {
  readonly records: CheckRecord[] = [];
  readonly #planned: string[] = [];

  constructor(
    planned: readonly string[] = [],
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.plan(...planned);
  }

  /** Adds checks this run must make (names are unique; adding one twice is a no-op). */
  plan(...names: string[]): void {
    for (const name of names) if (!this.#planned.includes(name)) this.#planned.push(name);
  }

  get planned(): readonly string[] {
    return this.#planned;
  }

  /** Records one outcome of a check; a check may be recorded several times (e.g. per bucket). */
  check(name: string, ok: boolean, detail = ""): void {
    this.records.push({ name, status: ok ? "pass" : "fail", detail });
    this.log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  }

  /** Records that a check was not made here, and why. A planned check skipped did not run. */
  skip(name: string, reason: string): void {
    this.records.push({ name, status: "skip", detail: reason });
    this.log(`SKIP ${name}: ${reason}`);
  }

  /** Records every listed check as failed with one cause (a section that could not start). */
  failAll(names: readonly string[], cause: unknown): void {
    const detail = describe(cause);
    for (const name of names) this.check(name, false, detail);
  }

  /**
   * Runs a section whose checks are `names`. An error escaping it fails each of those checks not
   * yet recorded (or the last one, if all were), so it can never leave them quietly missing.
   */
  async section(names: readonly string[], body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      const open = names.filter((n) => !this.records.some((r) => r.name === n && r.status !== "skip"));
      const blamed = open.length > 0 ? open : names.slice(-1);
      this.failAll(blamed.length > 0 ? blamed : ["no unexpected error"], error);
    }
  }

  summary(): PlanSummary {
    const byName = new Map<string, CheckRecord[]>();
    for (const r of this.records) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    const ranOf = (name: string) => (byName.get(name) ?? []).filter((r) => r.status !== "skip");
    const ran = this.#planned.filter((n) => ranOf(n).length > 0);
    const passed = ran.filter((n) => ranOf(n).every((r) => r.status === "pass"));
    const failed = [...byName.keys()].filter((n) => byName.get(n)!.some((r) => r.status === "fail"));
    const notRun = this.#planned.filter((n) => ranOf(n).length === 0);
    const unplanned = [...byName.keys()].filter((n) => !this.#planned.includes(n) && ranOf(n).length > 0);
    const skipped = this.records
      .filter((r) => r.status === "skip")
      .map((r) => ({ name: r.name, reason: r.detail }));
    const ok = failed.length === 0 && notRun.length === 0 && unplanned.length === 0;
    const parts = [`${ran.length} of ${this.#planned.length} planned checks ran, ${passed.length} passed`];
    if (failed.length > 0) parts.push(`failed: ${failed.join("; ")}`);
    if (notRun.length > 0) parts.push(`did not run: ${notRun.join("; ")}`);
    if (unplanned.length > 0) parts.push(`not in the plan: ${unplanned.join("; ")}`);
    if (skipped.length > 0)
      parts.push(`skipped: ${skipped.map((s) => `${s.name} (${s.reason})`).join("; ")}`);
    return {
      planned: this.#planned.length,
      ran: ran.length,
      passed: passed.length,
      failed,
      notRun,
      skipped,
      unplanned,
      ok,
      line: parts.join(" | "),
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
