// The `syncspec` command: parses the command line and runs one command. Exit status:
// 0 done, 1 an input is invalid (its message names the file and the place), or a file or
// port is in use, or a `run` left an integration's work undone (failed, read incompletely,
// or not run before a stop), 2 usage.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runCheck } from "./check.js";
import { runCompile } from "./compile.js";
import { MissingPath, UsageError } from "../source/files.js";
import { runFmt } from "./fmt.js";
import { runSpec } from "./run.js";
import { runTests } from "./test.js";

/** Each command's usage, as `syncspec COMMAND --help` prints it and the overview lists it. */
const COMMANDS: Readonly<Record<string, string>> = {
  check: `  check [PATH ...]           check specs (files or folders; default specs/) [--json] [--systems DIR]`,
  compile: `  compile SPEC [-o FILE]     print the compiled plan as JSON [--systems DIR]; plan, apply and
                             run (a deployment's spec:) take the plan file in place of the spec`,
  fmt: `  fmt [PATH ...]             rewrite specs in the canonical layout [--check]`,
  plan: `  plan SPEC --snapshot SYSTEM=FILE ... [--state FILE] [--now TIME] [--param NAME=VALUE ...]
            [--event FILE] [--json] [--systems DIR]
                             what a run would change: one JSON Patch per system, with outcomes;
                             SPEC is a .sync spec or a compiled plan (.json)`,
  explain: `  explain SPEC RECORD ...    why a record (system.collection/key, such as raisedonors.donors/1003)
                             synced or not: each link's match, counterpart, create and mappings, each
                             rule's clauses, then the plan's outcomes; the options of plan`,
  apply: `  apply SPEC ...             the options of plan; writes the patched snapshots, then the state`,
  test: `  test [PATH ...]            run the specs' test cases (*.test.yaml; default specs/) [--json] [--systems DIR]`,
  run: `  run DEPLOYMENT             run every integration of a deployment once, then a summary table
            [--watch]        then keep running on the schedules and webhooks (/healthz, /metrics)
            [--sandbox]      against syncspec's own loopback servers with the sample data`,
  runs: `  runs DEPLOYMENT            the run history and the records systems refused [--integration NAME]
            [--limit N] [--json] [--sandbox]`,
  serve: `  serve DEPLOYMENT           take webhooks for a cluster (its state in PostgreSQL) and serve /healthz
                             and /metrics; the workers make the runs`,
  worker: `  worker DEPLOYMENT ...      take runs from the cluster's queue and make them, until stopped
            [--concurrency N] (the deployments' state: a PostgreSQL database; start any number)`,
  playground: `  playground [SPEC]          a page on loopback to edit a spec and two snapshots and see, as you
            [--port N]       type, its diagnostics and what the run does to each record, with
                             the patches; opens with the seed specs and their sample data (port 4700)`,
  lsp: `  lsp [--stdio]              a language server for editors over stdin and stdout: diagnostics,
                             completion, hover, definitions, symbols, formatting (editors/vscode/)`,
};

const SYSTEMS_NOTE = `--systems DIR names the folder of system definitions; by default it is the nearest
integrations/ above the specs.
`;

const USAGE = `usage: syncspec <command> [options]

commands:
${Object.values(COMMANDS).join("\n")}

${SYSTEMS_NOTE}
syncspec COMMAND --help shows one command's; syncspec --version the version.
`;

/** One command's usage. */
function usageOf(command: string): string {
  const entry = COMMANDS[command]!;
  return `usage: syncspec ${command} [options]\n\n${entry}\n${entry.includes("--systems") ? `\n${SYSTEMS_NOTE}` : ""}`;
}

/** The version in syncspec's package.json, found above this file (dist/ or src/cli/). */
function version(): string {
  for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
    try {
      const found = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (found.name === "syncspec" && found.version) return found.version;
    } catch {
      // Not here: one folder up.
    }
    if (new URL("..", dir).href === dir.href) return "unknown";
  }
}

/** The options of plan, apply and explain: what a run reads besides the spec. */
const RUN_OPTIONS = {
  snapshot: { type: "string", multiple: true },
  state: { type: "string" },
  now: { type: "string" },
  param: { type: "string", multiple: true },
  event: { type: "string" },
  json: { type: "boolean" },
  systems: { type: "string" },
} as const;

/** The values of RUN_OPTIONS as runSpec and runExplain take them. */
function runOptionsOf(values: { snapshot?: string[]; param?: string[]; json?: boolean; state?: string; now?: string; event?: string; systems?: string }) {
  return {
    snapshots: values.snapshot ?? [],
    params: values.param ?? [],
    json: values.json ?? false,
    ...(values.state !== undefined ? { state: values.state } : {}),
    ...(values.now !== undefined ? { now: values.now } : {}),
    ...(values.event !== undefined ? { event: values.event } : {}),
    ...(values.systems !== undefined ? { systems: values.systems } : {}),
  };
}

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    // `syncspec help run` is `syncspec run --help`.
    if (command === "help" && rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0])) out(usageOf(rest[0]));
    else out(USAGE);
    return command ? 0 : 2;
  }
  if (command === "--version" || command === "-V" || command === "version") {
    out(`syncspec ${version()}\n`);
    return 0;
  }
  // Before the command's own options are read: `syncspec run --help` is a question, not a mistake.
  if (Object.hasOwn(COMMANDS, command) && rest.some((arg) => arg === "--help" || arg === "-h")) {
    out(usageOf(command));
    return 0;
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
          options: RUN_OPTIONS,
        });
        if (positionals.length !== 1) throw new UsageError(`${command} takes one spec file (or a plan compiled from one)`);
        return runSpec(
          {
            spec: positionals[0]!,
            ...runOptionsOf(values),
          },
          command === "apply",
          out,
          err,
        );
      }
      case "explain": {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: RUN_OPTIONS,
        });
        if (positionals.length !== 2) throw new UsageError("explain takes a spec file (or a plan compiled from one) and a RECORD, system.collection/key");
        const { runExplain } = await import("./explain.js");
        return runExplain(
          {
            spec: positionals[0]!,
            record: positionals[1]!,
            ...runOptionsOf(values),
          },
          out,
          err,
        );
      }
      case "test": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: "boolean" }, systems: { type: "string" } } });
        return runTests({ paths: positionals, json: values.json ?? false, ...(values.systems ? { systems: values.systems } : {}) }, out, err);
      }
      case "run": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { watch: { type: "boolean" }, sandbox: { type: "boolean" }, systems: { type: "string" } } });
        if (positionals.length !== 1) throw new UsageError("run takes one deployment file (such as specs/sandbox.deploy.yaml)");
        // The service's parts (HTTP, SQLite) load only for the commands that use them.
        const { runService } = await import("./run-service.js");
        return await runService({ deployment: positionals[0]!, watch: values.watch ?? false, sandbox: values.sandbox ?? false, ...(values.systems ? { systems: values.systems } : {}) }, out, err);
      }
      case "runs": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { integration: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" }, sandbox: { type: "boolean" } } });
        if (positionals.length !== 1) throw new UsageError("runs takes one deployment file");
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit takes a whole number of runs, not ${values.limit}`);
        const { showRuns } = await import("./runs.js");
        return showRuns({ deployment: positionals[0]!, limit, json: values.json ?? false, sandbox: values.sandbox ?? false, ...(values.integration ? { integration: values.integration } : {}) }, out, err);
      }
      case "serve": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { systems: { type: "string" } } });
        if (positionals.length !== 1) throw new UsageError("serve takes one deployment file");
        const { runService } = await import("./run-service.js");
        return await runService({ deployment: positionals[0]!, watch: true, serve: true, sandbox: false, ...(values.systems ? { systems: values.systems } : {}) }, out, err);
      }
      case "worker": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { concurrency: { type: "string" }, systems: { type: "string" } } });
        if (positionals.length === 0) throw new UsageError("worker takes one or more deployment files");
        const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
        if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new UsageError(`--concurrency takes a whole number of runs at once, not ${values.concurrency}`);
        const { runWorker } = await import("./worker.js");
        return await runWorker({ deployments: positionals, ...(concurrency ? { concurrency } : {}), ...(values.systems ? { systems: values.systems } : {}) }, out, err);
      }
      case "playground": {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { port: { type: "string" }, systems: { type: "string" } } });
        if (positionals.length > 1) throw new UsageError("playground takes at most one spec file");
        const port = values.port === undefined ? 4700 : Number(values.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number (0 for any free one), not ${values.port}`);
        const { runPlayground } = await import("./playground.js");
        return await runPlayground({ ...(positionals[0] !== undefined ? { spec: positionals[0] } : {}), port, ...(values.systems ? { systems: values.systems } : {}) }, out, err);
      }
      case "lsp": {
        parseArgs({ args: rest, options: { stdio: { type: "boolean" } } });
        const { startLanguageServer } = await import("../lsp/server.js");
        const connection = startLanguageServer();
        // Until the client says exit (the library then ends the process) or closes the stream.
        await new Promise<void>((resolve) => connection.onExit(resolve));
        return 0;
      }
      default:
        throw new UsageError(`unknown command \`${command}\``);
    }
  } catch (error) {
    // A path that is not there: the message says it all.
    if (error instanceof MissingPath) {
      err(`syncspec: ${error.message}\n`);
      return 2;
    }
    const code = (error as { code?: string }).code;
    if (error instanceof UsageError || code?.startsWith("ERR_PARSE_ARGS")) {
      const known = Object.hasOwn(COMMANDS, command);
      err(`syncspec: ${code?.startsWith("ERR_PARSE_ARGS") ? parseArgsMessage(error as Error, command) : (error as Error).message}\n\n${known ? usageOf(command) : USAGE}`);
      return 2;
    }
    // Anything else is a defect in syncspec: say so plainly, without a stack trace.
    err(`syncspec: internal error: ${(error as Error).message}\nPlease report this, with the command you ran.\n`);
    return 1;
  }
}

/**
 * Node's words for a command line it cannot read, in syncspec's: its own name the option
 * it does not know, and its advice about "--" (with an unbalanced quote) left out.
 */
function parseArgsMessage(error: Error, command: string): string {
  const code = (error as { code?: string }).code;
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `${command} has no option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) return `${option.split(" ")[0]} takes a value: ${option.split(" ")[0]} VALUE`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `${command} takes no ${JSON.stringify(/'([^']*)'/.exec(error.message)?.[1] ?? "")}`;
  return error.message.split(". To specify")[0]!;
}

process.exitCode = await main(process.argv.slice(2));
