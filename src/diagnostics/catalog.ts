// The one catalog of diagnostic codes. A code is prefixed by the stage that reports it and
// is never reused; grammar/errors.md is generated from this file (npm run generate).

export type Severity = "error" | "warning";

export interface CatalogEntry {
  readonly severity: Severity;
  /** A short title, as in the generated reference. */
  readonly title: string;
  /** What it means and how to fix it, for grammar/errors.md. */
  readonly help: string;
}

function error(title: string, help: string): CatalogEntry {
  return { severity: "error", title, help };
}
export function warning(title: string, help: string): CatalogEntry {
  return { severity: "warning", title, help };
}

export const CATALOG = {
  // LEX: characters that form no token, and limits on the raw text.
  LEX001: error("unexpected character", "A character that cannot start any word, number, string or symbol of the language. Remove it, or put it inside a string."),
  LEX002: error("unterminated string", "A string must close with `\"` on the same line. Add the closing quote; write `\\\"` for a quote inside a string."),
  LEX003: error("invalid escape in a string", "Strings accept the escapes `\\\"`, `\\\\`, `\\n`, `\\t` and `\\uXXXX`."),
  LEX004: error("spec too large", "A spec file may hold at most 1 MiB of text. Split the integration into several specs."),
  LEX005: error("string too long", "A string literal may hold at most 4,096 characters."),

  // SYN: the shape of statements and expressions.
  SYN001: error("unexpected token", "The parser expected something else at this place; the message says what it expected and what it found."),
  SYN002: error("missing closing bracket", "A `{`, `(` or `[` was opened and not closed. Close it where the block or expression ends."),
  SYN003: error("unexpected end of file", "The file ended in the middle of a statement. Finish the statement or remove the partial line."),
  SYN004: error("nesting too deep", "Expressions and blocks may nest at most 64 levels deep. Use `let` or a `view` to name a part."),
  SYN005: error("invalid schedule", "Schedules read `every N minutes`, `every N hours`, `every hour`, `nightly at HH:MM in \"Time/Zone\"`, `cron \"m h dom mon dow\" in \"Time/Zone\"`, or `every PARAM` for a param of type schedule."),
  SYN006: error("invalid limit", "A safety limit reads `limit removals of SYSTEM.COLLECTION.FIELD to N%` or `limit deletes of SYSTEM.COLLECTION to N%`."),
  SYN007: error("invalid conflict policy", "Conflict policies read `conflicts newest by A.field, B.field, tie SYSTEM` or `conflicts prefer SYSTEM`."),
  SYN008: error("invalid number", "Numbers are written in decimal, like `12` or `2.5`, and must be finite."),
  SYN009: error("chained comparison", "Comparisons do not chain: `a < b < c` would compare a bool with `c`. Write `a < b and b < c`, or add parentheses."),

  // NAM: names that do not resolve.
  NAM001: error("unknown system", "The name is not one of the systems under integrations/. Check the spelling, or add the system's definition."),
  NAM002: error("unknown collection", "The system has no collection of that name."),
  NAM003: error("unknown field", "The record type has no field of that name."),
  NAM004: error("unknown name", "The name is not an alias, a `let`, a param, a view or a built-in value in scope here."),
  NAM005: error("unknown function", "The language has no function of that name; grammar/README.md lists them."),
  NAM006: error("unknown event", "The system's definition does not declare that event."),
  NAM007: error("unknown actor", "The system's definition does not declare that actor."),
  NAM008: error("name defined twice", "Aliases, lets, params and views share one namespace within their scope; each name may be defined once."),
  NAM009: error("system not part of this sync", "A spec reads and writes only the two systems of its `sync` line."),
  NAM010: error("unknown time zone", "Time zones are IANA names such as \"America/New_York\" or \"UTC\"."),
  NAM011: error("not linked", "`linked(x)` needs x to be a record of a collection that exactly one `link` joins."),

  // TYP: types of expressions and values.
  TYP001: error(
    "type mismatch",
    "The value's type does not fit where it is used: a condition that is not a bool, a key that is not a string, a timestamp that is not a date, a value written into a field of another type, a param's default of another type than the param, or a param after `every` that is not a schedule. The message says what was expected and what was found.",
  ),
  TYP002: error("wrong number of arguments", "The function takes a different number of arguments; grammar/README.md gives each function's parameters."),
  TYP003: error("not a record", "Only records and objects have fields; the expression before `.` is of another type."),
  TYP004: error("value not allowed", "The value is not among the values the field or param allows."),
  TYP005: error("aggregate outside a group", "`count()` and aggregates of a single value (`sum(x)`, `max(x)` ...) add up the rows of one target record; they are allowed only inside an `upsert` or `create` block of a `from` rule."),
  TYP006: error("not a list", "The expression must be a list here: a `from ... in` source, the right side of `in`, or a list function's argument."),
  TYP007: error("invalid lookup", "Brackets after a collection take either a key (`coll[x.id]`) or field comparisons joined with `and` (`coll[email == x.email]`), where the left of each `==` names a field of the collection."),
  TYP008: error(
    "values that cannot be compared",
    "`==`, `!=`, `in`, a match's `==` and a lookup's `==` compare values of one kind: numbers with numbers, texts with texts, dates with dates. `<`, `<=`, `>` and `>=` also need values with an order, so not bools, lists or records.",
  ),
  TYP009: error("malformed date", "A string compared with a date or datetime must be written as one: dates as \"YYYY-MM-DD\", datetimes like \"2026-11-01T14:05:00Z\"."),
  TYP010: error("operator on the wrong type", "`-`, `*` and `/` take numbers; `+` adds numbers or joins texts, and cannot join lists, records or bools."),
  TYP011: error("function argument of the wrong type", "The function does not take a value of this type; grammar/functions.md gives each function's parameters. `map` takes its table written in place, like `{\"M\": \"Male\"}`."),
  TYP012: error("branches or items of different types", "Both branches of an `if`, and all the items of a list, must be of one type (`null` goes with any type)."),
  TYP013: error("two-way mapping between different types", "A `<->` mapping, and each renamed sub-field pair in it, joins values of one type, since each side is written into the other. To convert a value, map it one way."),
  TYP014: error("system used as a value", "A system's name alone is not a value; name one of its collections, as SYSTEM.COLLECTION."),
  TYP015: error("not a collection", "A link joins, and a rule writes into, a collection named as SYSTEM.COLLECTION (a link also takes a view that selects the records of one); `delete` takes a record, or a collection with `key`."),
  TYP016: error("param default not a literal", "A param's default is written as a literal value: a string, a number, `true`, `false`, `null` or a list of them."),

  // SEM: the meaning of statements.
  SEM001: error("missing sync line", "A spec starts with `sync A <-> B`, `sync A -> B` or `sync A <- B`, naming the two systems it joins."),
  SEM002: error("write against the sync's direction", "The `sync` line allows writes only into the system its arrow points to."),
  SEM003: error("field written twice", "Two mappings or assignments write the same target field in the same direction; keep one, or make their `when` conditions part of one expression."),
  SEM004: error("two-way mapping not invertible", "A `<->` mapping must join a field to a field, or an object to an object with renamed sub-fields; put an expression only on a one-way mapping."),
  SEM005: error("invalid link match", "A link matches with `==` between an expression of one side and an expression of the other; other conditions in `match` may name only one side."),
  SEM006: error("field not writable", "A record's key field is set by its key expression and cannot be mapped or assigned."),
  SEM007: error("conflict policy without two-way fields", "A `conflicts` policy resolves `<->` mappings; this link has none."),
  SEM008: error("two-way fields without a conflict policy", "A link with `<->` mappings needs `conflicts newest by ...` or `conflicts prefer SYSTEM` to decide when both sides changed."),
  SEM009: error("duplicate statement", "The statement may appear once per spec (or once per link)."),
  SEM010: error("wrong side", "The expression names the wrong alias for this place; the message says which side is expected."),
  SEM011: error("invalid set modifier", "`add only when ...` applies to list-valued fields only."),
  SEM012: error("trigger direction not in the sync", "A trigger's direction must be one the `sync` line allows."),
  SEM013: error(
    "required field not set on create",
    "A created record leaves empty a field its schema requires, so the snapshot it is written into would no longer be valid. Set the field in the `create` or `upsert` block, or through a mapping.",
  ),
  SEM014: error("limit on a field no rule writes", "A safety limit must name a set-valued field (or a collection) that one of the spec's rules writes (or deletes from)."),

  // SYS: system definitions under integrations/.
  SYS001: error("invalid system definition", "integrations/<system>/system.yaml does not match the definition format; the message names the place."),

  // INP: reading an input file of any kind (snapshot, state, event, plan, deployment, settings, test file).
  INP001: error("cannot read the file", "The file does not exist, cannot be read by this user, or is larger than syncspec reads. The message says which."),
  INP002: error("not valid JSON", "The file is not JSON. The place is where the JSON stops being valid; the message says what was found there."),
  INP003: error("not valid YAML", "The file is not YAML. The place is where the YAML stops being valid."),
  INP004: error("key written twice", "An object has the same key twice. JSON and YAML parsers keep the second without a word, which would silently drop a record or a setting; write each key once."),
  INP005: error("not a datetime", "A run's time (`--now`, a test case's `now`) is an RFC 3339 datetime such as `2026-11-01T14:05:00Z`."),

  // SNP: what a snapshot holds.
  SNP001: error("not a snapshot", "A snapshot is an object from collection name to an object of records: `{\"donors\": {\"1001\": {...}}}`."),
  SNP002: error("unknown collection", "The snapshot has a collection its system does not define. Check the name against the system's collections in integrations/<system>/system.yaml."),
  SNP003: error("collection not an object of records", "A collection is an object from record key to record, not a list: `{\"1001\": {\"id\": \"1001\", ...}}`."),
  SNP004: error("record does not match its schema", "A record has a field of the wrong type, a required field missing, or a value its schema does not allow; the pointer names the field."),
  SNP005: error("key field differs from the key", "A record's key field must equal the key it is filed under, so that both name the same record."),
  SNP006: error("key not a string", "Record keys and collection names are strings; in YAML, quote a key that reads as a number."),

  // PAR: params given at run time (--param, or a deployment's params).
  PAR001: error("unknown param", "The spec declares no param of this name. Check the spelling against the spec's `param` declarations."),
  PAR002: error("param value not allowed", "The value is not of the param's type, or not one of its allowed values."),
  PAR003: error("required param missing", "The spec declares this param without a default, so every run must give it a value."),

  // EVT: an event given to `plan --event`, a spec test, or a webhook.
  EVT001: error("not an event", "An event is an object `{\"system\", \"type\", \"actor\"?, \"recordId\"}` (a webhook's body has no `system`: its connection says it); the pointer names the field."),
  EVT002: error("event unknown to its system", "The event's type or actor is not one its system defines in integrations/<system>/system.yaml, or the event is for another system than the connection's."),

  // STA: a state file (`--state`).
  STA001: error("not a state file", "The file is not a state file written by `syncspec apply --state`."),
  STA002: error("state file of another version", "The state file was written by a syncspec that writes another version of it. Use that version of syncspec, or start again from empty state."),
  STA003: error("state of another integration", "Each integration keeps its own state file; this one was written for another spec."),
  STA004: error("state file damaged", "A part of the state file does not have the shape syncspec writes; the pointer names it. The file was changed outside syncspec."),

  // PLN: a compiled plan file (`syncspec compile -o`).
  PLN001: error("not a plan", "The file is not a plan written by `syncspec compile -o`."),
  PLN002: error("plan of another version", "The plan was compiled by a syncspec that writes another version of plans. Compile the spec again."),
  PLN003: error("plan does not match its schema", "The plan has been changed by hand or damaged; the pointer names the place. Compile the spec again."),
  PLN004: error("plan compiled against another definition", "A system's definition has changed since the plan was compiled (its fingerprint differs), or the system is no longer defined. Compile the spec again."),

  // DEP: a deployment file (`syncspec run`).
  DEP001: error("invalid deployment", "The deployment file does not have the shape `syncspec run` reads, or a value is of the wrong kind; the message names the place and what belongs there."),
  DEP002: error("credential in the deployment file", "Tokens and webhook secrets come from the environment (`token: {env: VARIABLE}`), never from the file, so that the file can be reviewed and committed."),
  DEP003: error("name that does not resolve", "The deployment names a connection, system or spec that is not there."),
  DEP004: error("environment variable missing or malformed", "A variable the deployment names for a credential is not set, or does not hold a value of the right form."),
  DEP005: error("integration does not compile", "A spec the deployment runs has errors (shown after this line), or its plan file is refused."),

  // CON: a system's connector settings (integrations/<system>/connector.yaml).
  CON001: error("invalid connector settings", "connector.yaml does not match the settings format, or names an actor the system does not have; the place is given."),

  // TST: a spec test file (specs/NAME.test.yaml).
  TST001: error("test file part of the wrong shape", "A part of the test file is not the kind of value it must be; the message shows what belongs there."),
  TST002: error("unknown key in a test file", "The test file has a key its format does not have; the message lists the keys there are."),
  TST003: error("test file part missing", "A case, run or expectation lacks a part it needs: a `name`, `snapshots`, `runs`, a time."),
  TST004: error("case name used twice", "Case names are unique in a file, so that a failure names one case."),
  TST005: error("YAML construct a test file does not take", "Aliases must name an anchor outside themselves, `<<` merges a map, and keys are strings."),
  TST006: error("test file names what is not there", "A test file names a spec, system, collection or file that does not exist."),

  // RUN: a run that stopped, and wrote nothing.
  RUN001: error("the spec never settles", "Two parts of the spec keep changing what the other wrote. Make one of them one-way, or give it a condition that holds once it has written."),
  RUN002: error("safety limit exceeded", "The run would remove or delete more than a `limit` of the spec allows, so nothing was written. If the removals are intended, raise the limit for one run."),
  RUN003: error("a system could not be read", "Reading a system failed (the connection, not one record), so nothing was run. The next run tries again."),
  RUN004: error("a system could not be written", "A write failed for the connection, not for one record; what was written is in the journal and the state did not advance, so the next run redoes the rest."),
  RUN005: error("internal error", "A defect in syncspec stopped the run; nothing was written past it. Please report it with the message."),

  // SVC: the service's state store (SQLite).
  SVC001: error("cannot open the state store", "The state file or its folder cannot be created, read or written by this user, or the disk is failing."),
  SVC002: error("not a syncspec state store", "The file is another program's SQLite database, a JSON state file of `apply`, or a store of a newer syncspec."),
  SVC003: error("state store damaged", "The store is corrupt or was changed outside syncspec. Restore it from a backup, or move it aside to start again from empty state."),
  SVC004: error("state store in use", "Another syncspec service holds the store (its lock file names the process), or held it too long. One service runs a state file at a time."),
} satisfies Record<string, CatalogEntry>;

export type Code = keyof typeof CATALOG;
