// The codes of the files syncspec reads beside a spec: snapshots, params, events, state, plans.
// Spec test files have their own (tests.ts).
// Each entry's messages are the templates its report sites fill (entry.ts).
import { error } from "./entry.js";

/**
 * Text that parses but that syncspec cannot hold as written, in a JSON file (INP002) or a YAML
 * one (INP003): it is refused rather than changed on the way in, with its place.
 */
const NOT_HELD = {
  notUtf8: "not valid UTF-8: the byte at offset {offset} (0x{byte}) is not part of a UTF-8 character",
  tooDeep: "nested more than {limit} levels deep, deeper than syncspec reads",
  numberOutOfRange: "this number is out of range (beyond ±1.8e308): it would be read as infinity and written as null",
  numberNotExact: "this number is 2^53 or more in size, where not every whole number can be held: 9007199254740993 would be read as 9007199254740992; write it as a string",
  loneSurrogate: "this {what} holds half of a UTF-16 surrogate pair (\\u{unit}) without the other half, which is no character",
} as const;

export const INPUTS = {
  // INP: reading an input file of any kind (snapshot, state, event, plan, deployment, settings, test file).
  INP001: error("cannot read the file", "The file does not exist, cannot be read by this user, or is larger than syncspec reads. The message says which.", {
    cannotRead: "cannot read the file",
    tooLarge: "the file is {size} MiB; syncspec reads a snapshot of up to {limit} MiB, the longest text Node.js holds",
    noSettings: "cannot read the file; {system} needs a connector.yaml beside its system.yaml to be reached over HTTP",
    noDeployment: "no such deployment file",
    deploymentIsFolder: "cannot read the deployment file (it is a folder)",
    deploymentDenied: "cannot read the deployment file (permission denied)",
    deploymentUnreadable: "cannot read the deployment file ({reason})",
    specUnreadable: "{spec} cannot be read",
  }),
  INP002: error("not valid JSON", "The file is not JSON. The place is where the JSON stops being valid; the message says what was found there.", {
    notJson: "not valid JSON: {reason}",
    bodyNotJson: "the body is not valid JSON at line {line}, column {column}: {reason}",
    ...NOT_HELD,
  }),
  INP003: error("not valid YAML", "The file is not YAML. The place is where the YAML stops being valid.", {
    notYaml: "not valid YAML: {reason}",
    ...NOT_HELD,
  }),
  INP004: error("key written twice", "An object has the same key twice. JSON and YAML parsers keep the second without a word, which would silently drop a record or a setting; write each key once.", {
    writtenTwice: "this key is written twice; the second would silently replace the first",
    yamlDuplicate: "not valid YAML: {reason}",
  }),
  INP005: error("not a datetime", "A run's time (`--now`, a test case's `now`) is an RFC 3339 datetime such as `2026-11-01T14:05:00Z`.", {
    notDatetime: "{value} is not a datetime; write it like 2026-11-01T14:05:00Z",
  }),
  INP006: error("file in use by another apply", "`apply` writes its snapshot and state files back whole, so it holds a lock beside each (FILE.lock) from before it reads them until it has written them. Another apply held one too long, or a program that takes no lock wrote the file meanwhile; nothing was written, and running apply again picks up the other's changes.", {
    heldBy: "another syncspec apply (process {owner}) is writing this file, still after {seconds} seconds; run apply again when it has finished",
    changed: "the file was written by another program while this apply ran; nothing was written, so that its changes are kept. Run apply again",
  }),

  // SNP: what a snapshot holds.
  SNP001: error("not a snapshot", "A snapshot is an object from collection name to an object of records: `{\"donors\": {\"1001\": {...}}}`.", {
    notObject: "a snapshot is an object of collections, such as {\"donors\": {...}}",
  }),
  SNP002: error("unknown collection", "The snapshot has a collection its system does not define. Check the name against the system's collections in integrations/<system>/system.yaml.", {
    unknown: "{system} has no collection \"{name}\"; its collections are {collections}",
  }),
  SNP003: error("collection not an object of records", "A collection is an object from record key to record, not a list: `{\"1001\": {\"id\": \"1001\", ...}}`.", {
    notObject: "a collection is an object from record key to record",
  }),
  SNP004: error("record does not match its schema", "A record has a field of the wrong type, a required field missing, or a value its schema does not allow; the pointer names the field.", {
    missingField: "{at}the field \"{field}\" is missing",
    wrongType: "{at}must be {types}",
    notAllowed: "{at}must be one of {values}",
    notDate: "{at}must be a date, YYYY-MM-DD",
    notDatetime: "{at}must be a datetime, such as 2026-11-01T14:05:00Z",
    invalid: "{at}{reason}",
  }),
  SNP005: error("key field differs from the key", "A record's key field must equal the key it is filed under, so that both name the same record.", {
    keyDiffers: "the record's {field} is {value}, but its key is \"{key}\"; they must be equal",
  }),
  SNP006: error("key not a string", "Record keys and collection names are strings; in YAML, quote a key that reads as a number.", {
    collectionName: "a collection's name must be a string",
    recordKey: "record keys are strings; write \"{key}\" in quotes",
  }),

  // PAR: params given at run time (--param, or a deployment's params).
  PAR001: error("unknown param", "The spec declares no param of this name. Check the spelling against the spec's `param` declarations.", {
    unknownNear: "{integration} has no param \"{name}\"; did you mean \"{near}\"?",
    unknown: "{integration} has no param \"{name}\"; its params are {params}",
    unknownNone: "{integration} has no param \"{name}\"; it declares none",
  }),
  PAR002: error("param value not allowed", "The value is not of the param's type, or not one of its allowed values.", {
    notAllowed: "{name} {reason} (given: {given})",
    notOneOf: "must be one of {values}",
    notOneOfNear: "must be one of {values}; did you mean {near}?",
    notString: "must be a string",
    notWhole: "must be a whole number",
    notNumber: "must be a number",
    notBool: "must be true or false",
    notDate: "must be a date, such as \"2026-11-01\"",
    notDatetime: "must be a datetime, such as \"2026-11-01T14:05:00Z\"",
    notSchedule: "must be a schedule, such as \"every 10 minutes\"",
    unknownType: "has a type ({type}) this syncspec does not know",
    eachItem: "each item {reason}",
    noSchedule: "the param {param} has no schedule",
    badSchedule: "{integration}: the schedule in param {param} is not valid: {reason}",
    notList: "must be a list, such as --param {name}='[\"a\", \"b\"]'",
  }),
  PAR003: error("required param missing", "The spec declares this param without a default, so every run must give it a value.", {
    missingOption: "{integration} needs the param {name} ({type}); give it with --param {name}=VALUE",
    missingDeployment: "{integration} needs the param {name} ({type}); give it under params ({name}: VALUE)",
    missingLine: "{integration} needs the param {name} ({type}); give it as a line {name}=VALUE",
  }),

  // EVT: an event given to `plan --event`, a spec test, or a webhook.
  EVT001: error("not an event", "An event is an object `{\"system\", \"type\", \"actor\"?, \"recordId\"}` (a webhook's body has no `system`: its connection says it); the pointer names the field.", {
    notObject: "an event is an object: {\"system\", \"type\", \"actor\"?, \"recordId\"}",
    bodyNotObject: "an event is an object: {\"type\", \"actor\"?, \"recordId\"}",
    emptyField: "\"{name}\" must be a non-empty string",
    actorNotString: "\"actor\" must be a string",
    unknownField: "an event has no \"{name}\"; it has system, type, actor and recordId",
    bodyUnknownField: "an event has no \"{name}\"; it has type, actor and recordId",
  }),
  EVT002: error("event unknown to its system", "The event's type or actor is not one its system defines in integrations/<system>/system.yaml, or the event is for another system than the connection's.", {
    otherSystem: "{integration} joins {systems}, not {system}",
    otherConnection: "this connection receives {system}'s events, not {other}'s",
    unknownTypeNone: "{system} has no event \"{type}\"; it sends no events",
    unknownTypeNear: "{system} has no event \"{type}\"; did you mean \"{near}\"? (its events are {events})",
    unknownType: "{system} has no event \"{type}\" (its events are {events})",
    unknownActor: "{system} has no actor \"{actor}\" (its actors are {actors})",
  }),

  // STA: a state file (`--state`).
  STA001: error("not a state file", "The file is not a state file written by `syncspec apply --state`.", {
    notObject: "a state file is an object written by `syncspec apply`",
    notState: "this is not a syncspec state file (its \"syncspec\" is not \"state\")",
  }),
  STA002: error("state file of another version", "The state file was written by a syncspec that writes another version of it. Use that version of syncspec, or start again from empty state.", {
    version: "this state file is version {version}; this syncspec reads versions 1 and {current}",
  }),
  STA003: error("state of another integration", "Each integration keeps its own state file; this one was written for another spec.", {
    otherIntegration: "this state belongs to {found}, not {expected}",
  }),
  STA004: error("state file damaged", "A part of the state file does not have the shape syncspec writes; the pointer names it. The file was changed outside syncspec.", {
    lastRun: "must be a datetime or null",
    links: "must be an object",
    v1Link: "must be a list of [left key, right key, values]",
    v1Entry: "must be [left key, right key, {mapping: value}]",
    v2Link: "must be {\"mappings\": [...], \"pairs\": [...]}",
    v2Mappings: "must be a list of the link's two-way mappings, each once",
    v2Pairs: "must be a list of [left key, right key, presence, ...values]",
    v2Pair: "must be [left key, right key, presence, ...values]: presence has a \"1\" or \"0\" for each of the {count} mappings, and a value follows for each \"1\"",
  }),

  // PLN: a compiled plan file (`syncspec compile -o`).
  PLN001: error("not a plan", "The file is not a plan written by `syncspec compile -o`.", {
    notPlan: "not a syncspec plan: a plan file is what `syncspec compile SPEC -o FILE` writes, a JSON object with \"syncspec\": \"plan\"",
  }),
  PLN002: error("plan of another version", "The plan was compiled by a syncspec that writes another version of plans. Compile the spec again.", {
    version: "this plan is version {version}, compiled by a different syncspec (this one reads version {current}); compile {source} again",
    noFingerprints: "this plan has no fingerprints of the system definitions it was compiled against: it was compiled by a different syncspec; compile {source} again",
  }),
  PLN003: error("plan does not match its schema", "The plan has been changed by hand or damaged; the pointer names the place. Compile the spec again.", {
    missing: "{name} is missing",
    notPartOfPlan: "is not part of a plan here",
    mustBe: "must be {value}",
    notOneOf: "must be one of {values}",
    unknownKind: "{tag} {value} is not one this syncspec knows",
    notString: "must be a string",
    invalid: "{reason}",
    notJoined: "{integration} joins {systems}, not {system}",
    noFingerprint: "the plan records no fingerprint for {system}; compile {source} again",
    noView: "the plan has no view \"{view}\"",
    noLink: "the plan has {count} links; there is no link {link}",
    noCollection: "{system} has no collection \"{collection}\"",
    notCollectionOf: "{system}.{collection} is not a collection of {systems}",
    otherKey: "the key of {system}.{collection} is {key}, not {found}",
  }),
  PLN004: error("plan compiled against another definition", "A system's definition has changed since the plan was compiled (its fingerprint differs), or the system is no longer defined. Compile the spec again.", {
    noSystem: "there is no system \"{name}\" in {folder}; the systems are {systems} (--systems DIR names another folder)",
    changed: "{system}'s definition ({file}) changed since this plan was compiled; compile {source} again",
  }),

};
