// The codes of running: deployments, connector settings, runs that stopped, and the service's
// state store.
// Each entry's messages are the templates its report sites fill (entry.ts).
import { error } from "./entry.js";

export const SERVICE = {
  // DEP: a deployment file (`syncspec run`).
  DEP001: error("invalid deployment", "The deployment file does not have the shape `syncspec run` reads, or a value is of the wrong kind; the message names the place and what belongs there.", {
    notASetting: "{name} is not a setting here; {allowed}",
    badName: "names are lower case letters, digits, - and _ (such as raisedonors-virtuous)",
    invalid: "{reason}",
    notUrl: "is not a URL; write it like https://api.example.org/v1",
    notPostgresUrl: "is not a URL; write it like postgres://syncspec@db.example.org:5432/syncspec",
    workerNeedsPostgres: "a worker runs against a PostgreSQL state that every worker shares: write state: postgres://... or state: {env: VARIABLE}; a SQLite file is one process's (run it with syncspec run --watch)",
    clusterNeedsPostgres: "syncspec {command} serves a cluster, whose state is a PostgreSQL database: write state: postgres://... or state: {env: VARIABLE}; a SQLite file is one process's (run it with syncspec run --watch)",
    otherCluster: "this deployment's state is {found}, not {first} as the first deployment's: one worker serves one cluster",
    inTwoDeployments: "the {what} {name} is in two deployments; in one cluster each has a name of its own",
    urlOrFile: "a connection has either a url (an HTTP API) or a file (a snapshot), and not both",
    noToken: "an HTTP connection needs a token: {env: VARIABLE} or {file: PATH}",
    deploymentHas: "a deployment has state, server, reconcile, connections, integrations, organizations and maxRunsPerOrganization",
    organizationHas: "an organization has connections, integrations, reconcile and maxRuns",
    secretRef: "a credential is named, never written: {env: VARIABLE} for an environment variable, or {file: PATH} for a file that holds it alone",
    stateForms: "state is a SQLite file's path, a postgres:// URL, or {env: VARIABLE} naming a variable that holds the URL",
    organizationsForms: "organizations is a map of names to settings (or to a file of an organization's settings), or a folder holding a NAME.yaml file for each",
    organizationForms: "an organization's settings are written here (connections, integrations, maxRuns), or are the path of a YAML file that holds them",
    orgIntegrationForms: "an organization's integration is its settings (spec, params, connections, reconcile), or false for one it does not run",
    noIntegrations: "the deployment runs no integration: write integrations, for every organization or under one",
    missing: "{setting} is missing: a deployment without organizations has connections and integrations",
    organizationFileName: "{file} names no organization: an organization's file is NAME.yaml, with a name of lower case letters, digits, - and _",
    badReconcile: "is not a schedule: {reason}; write one as a spec does (nightly at 03:00, every 6 hours) or never",
    serverHas: "server has host and port",
    connectionHas: "a connection has system, url or file, token, webhookSecret, hosts, pageSize, readLimits and sample",
    readLimitsHas: "readLimits has pages, records and seconds",
    integrationHas: "an integration has spec, params, connections and reconcile",
  }),
  DEP002: error("credential in the deployment file", "Tokens and webhook secrets come from the environment (`token: {env: VARIABLE}`) or a secret file (`token: {file: PATH}`), never from the deployment file, so that the file can be reviewed and committed.", {
    inFile: "credentials are not written in the deployment file: write {setting}: {env: {variable}} and set that variable, or {setting}: {file: PATH} for a file that holds it",
    inUrl: "a base URL carries no user, password or query string: credentials come from the environment, through token: {env: VARIABLE}",
    stateUrl: "a PostgreSQL URL in the deployment file carries no password: write state: {env: VARIABLE} and put the URL in that variable",
  }),
  DEP003: error("name that does not resolve", "The deployment names a connection, system or spec that is not there.", {
    specIsFolder: "{spec} is a folder, not a spec or a plan file",
    undefinedConnection: "{integration} reaches {system} through the connection {name}, which the deployment does not define; add it under connections, or name another with connections: {{system}: NAME}",
    otherSystem: "the connection {name} is to {to}, not {system}",
    noSystem: "there is no system {name}; the systems are {systems}",
    noConnection: "there is no connection named {name}; the connections are {connections}",
    noIntegration: "there is no integration {name}; the integrations are {integrations}",
    noConnectionFor: "{organization} has no connection named {name}, nor does the deployment; its connections are {connections}",
    noneToTurnOff: "{organization} turns off {name}, which is not one of the integrations every organization runs ({integrations})",
    noTemplate: "{organization} sets {name} without a spec, and it is not one of the integrations every organization runs ({integrations}); give it a spec",
    organizationsUnreadable: "the organizations' folder {folder} cannot be read: {reason}",
    organizationUnreadable: "the settings of {organization} are in {file}, which cannot be read: {reason}",
  }),
  DEP004: error("credential missing or malformed", "A variable or secret file the deployment names for a credential is not set or cannot be read, or does not hold a value of the right form.", {
    unset: "{what} comes from the environment variable {variable}, which is not set",
    stateOf: "the PostgreSQL URL of the state",
    notPostgresUrl: "the variable {variable} holds the state's location, which must be a postgres:// or postgresql:// URL",
    tokenOf: "the token of {connection}",
    webhookSecretOf: "the webhook secret of {connection}",
    notASecret: "{where} does not hold a webhook secret: {reason}",
    secretFileUnreadable: "{what} comes from the file {file}, which cannot be read: {reason}",
    secretFileTooLarge: "{what} comes from the file {file}, which is larger than {limit} KiB: a secret file holds the credential alone",
    secretFileEmpty: "{what} comes from the file {file}, which is empty",
    secretPrefix: "a webhook secret starts with \"whsec_\" followed by base64 (e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)",
    secretNotBase64: "the part of the webhook secret after \"whsec_\" is not base64",
    secretKeySize: "the webhook secret's key is {bytes} bytes; Standard Webhooks keys are {min} to {max} bytes",
  }),
  DEP005: error("integration does not compile", "A spec the deployment runs has errors (shown after this line), or its plan file is refused.", {
    planRefused: "{integration} cannot run: the plan file {spec} is refused ({problems} below)",
    doesNotCompile: "{integration} cannot run: {spec} does not compile ({errors} below)",
  }),
  DEP006: error("cannot serve", "The deployment's server cannot listen at its host and port: another program holds the port, the port needs privileges, or the host is not an address of this machine. Nothing was run.", {
    inUse: "cannot serve on {host}:{port}: the port is in use by another program; stop that program, or give the deployment another server port",
    notPermitted: "cannot serve on {host}:{port}: not permitted (ports below 1024 need privileges)",
    noAddress: "cannot serve on {host}:{port}: this machine has no address {host}",
    other: "cannot serve on {host}:{port}: {reason}",
  }),

  // CON: a system's connector settings (integrations/<system>/connector.yaml).
  CON001: error("invalid connector settings", "connector.yaml does not match the settings format, names an actor the system does not have, or declares reads of a collection or field the system does not have, or in a style its pagination cannot serve; the place is given.", {
    pagination: "pagination must be one of {styles}",
    missing: "the setting \"{name}\" is missing (one of {styles})",
    unknownSetting: "there is no setting \"{name}\"; the settings {where}are {settings}",
    notObject: "connector.yaml holds settings such as `pagination: skip-take`",
    invalid: "{reason}",
    unknownActor: "{system} has no actor {actor}; its actors are {actors}",
    noActors: "{system} has no actor {actor}; its events carry no actor, so leave writesAs out",
    oneOf: "{name} must be one of {values}",
    missingIn: "the setting \"{name}\" is missing in {where}",
    // reads: what the API answers beyond a whole collection, checked against system.yaml.
    readsCollection: "{system} has no collection {collection}; its collections are {collections}",
    readsField: "{collection} has no field {field}; its fields are {fields}",
    readsNotScalar: "{collection}.{field} is {shape}; a filter compares one value, so only text, number and boolean fields can be declared",
    readsNotDatetime: "{collection}.{field} is not a date-time (format: date-time in system.yaml), so it cannot say when a record was modified",
    readsPagingName: "the filter parameter {param} has the name of a paging parameter ({names}); the query's paging and its filter would be taken for each other",
    readsSameParam: "{param} filters {collection} by {fields} at once; give each field its own parameter",
    readsStyle: "query: {query} pages its answers by {needed}, but this connector.yaml says pagination: {pagination}",
    readsValues: "values says how several values are written in query parameters, so it goes with query: params, not query: {query}",
  }),

  // RUN: a run that stopped, and wrote nothing.
  RUN001: error("the spec never settles", "Two parts of the spec keep changing what the other wrote. Make one of them one-way, or give it a condition that holds once it has written.", {
    neverSettles: "the spec never settles: after {rounds} rounds, {still}",
    neverSettlesAt: "the spec never settles: after {rounds} rounds, {still}: {field} of {record} was set {by}",
  }),
  RUN002: error("safety limit exceeded", "The run would remove or delete more than a `limit` of the spec allows (more than its share, and more than its `when more than` count when it has one), so nothing was written. If the removals are intended, raise the limit for one run.", {
    removals: "the run would remove {removed} of the {total} {field} entries of the {collection} it manages ({share}%), more than the {percent}% the limit at line {line} allows; nothing was changed",
    deletes: "the run would remove {removed} of the {total} {collection} ({share}%), more than the {percent}% the limit at line {line} allows; nothing was changed",
    // A limit with `when more than N`: the run failed on both counts, so the message names both.
    removalsOverFloor: "the run would remove {removed} of the {total} {field} entries of the {collection} it manages ({share}%), more than the {floor} entries and the {percent}% the limit at line {line} allows; nothing was changed",
    deletesOverFloor: "the run would remove {removed} of the {total} {collection} ({share}%), more than the {floor} records and the {percent}% the limit at line {line} allows; nothing was changed",
  }),
  RUN003: error("a system could not be read", "Reading a system failed (the connection, not one record), so nothing was run. The next run tries again.", {
    readFailed: "reading failed: {reason}",
  }),
  RUN004: error("a system could not be written", "A write failed for the connection, not for one record; what was written is in the journal and the state did not advance, so the next run redoes the rest.", {
    writeFailed: "writing to {system} failed: {reason}",
  }),
  RUN005: error("internal error", "A defect in syncspec stopped the run; nothing was written past it. Please report it with the message.", {
    internal: "internal error: {reason}; please report it",
    insideTestRun: "syncspec failed inside the run: {reason}; this is a defect in syncspec, please report it with this case",
    testChangesDoNotApply: "the {system} changes do not apply to its snapshot: {reason}",
  }),

  // SVC: the service's state store (SQLite, or PostgreSQL for several machines).
  SVC001: error("cannot open the state store", "The state file or its folder cannot be created, read or written by this user, or the disk is failing.", {
    noFolder: "cannot create {file}: its folder does not exist. Create the folder, or name a state file in one that does.",
    notWritable: "cannot write {file} (SQLite says: {reason}); check that the file and its folder are writable by this user.",
    diskFailing: "cannot write {file} (SQLite says: {reason}); check the disk has space and is working.",
    sqlite: "{file}: SQLite says: {reason}",
    lockFile: "cannot make the lock file {lock}: {reason}",
    postgres: "cannot use the PostgreSQL store {file} (PostgreSQL says: {reason}); check that the server is running and that the URL's host, port, database, user and password are right.",
  }),
  SVC002: error("not a syncspec state store", "The file is another program's SQLite database, a JSON state file of `apply`, or a store of a newer syncspec.", {
    newer: "{file} was written by a newer syncspec (state schema version {version}; this syncspec reads up to version {current}). Upgrade syncspec to use it, or name another state file.",
    otherProgram: "{file} is a SQLite database of another program, not a syncspec state store; name another state file (syncspec creates it).",
    otherSchema: "{file}: the schema {schema} holds tables of another program, not a syncspec store; name another schema (?schema= in the URL) or another database.",
    notSqlite: "{file} is not a SQLite database, so it is not a syncspec state store (a JSON state file of `syncspec apply --state` is not one either). Name another state file, or restore this one from a backup.",
  }),
  SVC003: error("state store damaged", "The store is corrupt or was changed outside syncspec. Restore it from a backup, or move it aside to start again from empty state.", {
    noVersion: "{file} has no valid state schema version (found {found}); it was changed outside syncspec. Restore it from a backup, or name another state file.",
    corrupt: "{file} is corrupt (SQLite says: {reason}). Restore it from a backup, or move it aside to start again from empty state (each integration then runs as for the first time).",
    sqlite: "{file}: SQLite says: {reason}",
    postgres: "{file}: PostgreSQL says: {reason}; the store's tables were changed outside syncspec.",
    changedOutside: "{file}: {what}; the file was changed outside syncspec. Restore it from a backup, or name another state file.",
    valuesNotObject: "the synced values of {integration}'s link {link}, left key {key}, are not an object",
    valuesNotJson: "the synced values of {integration}'s link {link}, left key {key}, are not valid JSON",
    pairsUnreadable: "the synced pairs of {integration}'s link {link} cannot be read",
    journalNotJson: "the journal of run {run} is not valid JSON",
    eventNotJson: "the webhook event kept as number {seq} is not valid JSON",
    countsNotJson: "the counts of run {run} are not valid JSON",
  }),
  SVC004: error("state store in use", "Another syncspec service holds the store (its lock file names the process), or held it too long: one service runs a state file at a time. On PostgreSQL, another worker holds the integration's lease, or took it over from this one.", {
    busy: "{file} stayed locked by another process for more than {seconds} seconds; check that only one syncspec service uses this state file.",
    heldBy: "another syncspec run (process {owner}) is using this state; stop it first, or give this deployment its own state file",
    lockTaken: "cannot take the lock file {lock}; another syncspec run may be starting",
    runElsewhere: "{integration} is running on another worker ({holder}, its lease until {until}); this run waits for the next turn",
    fenced: "run {run} of {integration} was taken over by another worker (its lease lapsed: epoch {epoch} became {now}); nothing of it was saved, and the writes that landed before are in its journal",
  }),
};
