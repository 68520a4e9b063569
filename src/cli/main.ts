// The `syncspec` command: parses the command line and runs one command. Exit status:
// 0 done, 1 an input is invalid (its message names the file and the place), 2 usage.
import { parseArgs } from "node:util";
import { runCheck } from "./check.js";
import { runCompile } from "./compile.js";
import { UsageError } from "./files.js";
import { runFmt } from "./fmt.js";
import { runSpec } from "./run.js";
import { runTests } from "./test.js";

const USAGE = `usage: syncspec <command> [options]

commands:
  check [PATH ...]           check specs (files or folders; default specs/) [--json] [--systems DIR]
  compile SPEC [-o FILE]     print the compiled plan as JSON [--systems DIR]
  fmt [PATH ...]             rewrite specs in the canonical layout [--check]
  plan SPEC --snapshot SYSTEM=FILE ... [--state FILE] [--now TIME] [--param NAME=VALUE ...]
            [--event FILE] [--json]
                             what a run would change: one JSON Patch per system, with outcomes
  apply SPEC ...             the options of plan; writes the patched snapshots, then the state
  test [PATH ...]            run the specs' test cases (*.test.yaml; default specs/) [--json] [--systems DIR]

--systems DIR names the folder of system definitions; by default it is the nearest
integrations/ above the specs.
`;

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    out(USAGE);
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      case "check": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: "boolean" }, systems: { type: "string" } } });
        return runCheck({ paths: positionals, json: values.json ?? false, ...(values.systems ? { systems: values.systems } : {}) }, out);
      }
      case "compile": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { output: { type: "string", short: "o" }, systems: { type: "string" } } });
        if (positionals.length !== 1) throw new UsageError("compile takes one spec file");
        return runCompile(positionals[0]!, values.output, values.systems, out, err);
      }
      case "fmt": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { check: { type: "boolean" } } });
        return runFmt(positionals, values.check ?? false, out, err);
      }
      case "plan":
      case "apply": {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            snapshot: { type: "string", multiple: true },
            state: { type: "string" },
            now: { type: "string" },
            param: { type: "string", multiple: true },
            event: { type: "string" },
            json: { type: "boolean" },
            systems: { type: "string" },
          },
        });
        if (positionals.length !== 1) throw new UsageError(`${command} takes one spec file`);
        return runSpec(
          {
            spec: positionals[0]!,
            snapshots: values.snapshot ?? [],
            params: values.param ?? [],
            json: values.json ?? false,
            ...(values.state !== undefined ? { state: values.state } : {}),
            ...(values.now !== undefined ? { now: values.now } : {}),
            ...(values.event !== undefined ? { event: values.event } : {}),
            ...(values.systems !== undefined ? { systems: values.systems } : {}),
          },
          command === "apply",
          out,
          err,
        );
      }
      case "test": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: "boolean" }, systems: { type: "string" } } });
        return runTests({ paths: positionals, json: values.json ?? false, ...(values.systems ? { systems: values.systems } : {}) }, out, err);
      }
      default:
        throw new UsageError(`unknown command \`${command}\``);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      err(`syncspec: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    // Anything else is a defect in syncspec: say so plainly, without a stack trace.
    err(`syncspec: internal error: ${(error as Error).message}\nPlease report this, with the command you ran.\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
