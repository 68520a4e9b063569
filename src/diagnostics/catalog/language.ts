// The codes of a spec's text: its characters, statements, names, types and meaning, and the
// system definitions it is checked against.
// Each entry's messages are the templates its report sites fill (entry.ts).
import { error, warning } from "./entry.js";

export const LANGUAGE = {
  // LEX: characters that form no token, and limits on the raw text.
  LEX001: error("unexpected character", "A character that cannot start any word, number, string or symbol of the language. Remove it, or put it inside a string.", {
    unexpected: "unexpected character {char}",
    // How some characters read in `unexpected` (describeChar in lexer/lex.ts).
    singleQuote: "`'` (strings use double quotes)",
    typographicQuote: "`{char}` (a typographic quote, as word processors write them; use the straight quote `\"`)",
  }),
  LEX002: error("unterminated string", "A string must close with `\"` on the same line. Add the closing quote; write `\\\"` for a quote inside a string.", {
    unclosed: "this string is not closed before the end of the line",
  }),
  LEX003: error("invalid escape in a string", "Strings accept the escapes `\\\"`, `\\\\`, `\\n`, `\\t` and `\\uXXXX`.", {
    notAnEscape: "`{escape}` is not an escape; use \\\", \\\\, \\n, \\t or \\uXXXX",
  }),
  LEX004: error("spec too large", "A spec file may hold at most 1 MiB of text. Split the integration into several specs.", {
    tooLong: "the spec is {length} characters long; the limit is {limit}",
  }),
  LEX005: error("string too long", "A string literal may hold at most 4,096 characters.", {
    tooLong: "this string has {length} characters; the limit is {limit}",
  }),

  // SYN: the shape of statements and expressions.
  SYN001: error("unexpected token", "The parser expected something else at this place; the message says what it expected and what it found.", {
    expected: "expected {expected}, found {found}",
    eventAfterAny: "expected `event` after `any`, found the name `{name}`",
    // What the parser expected, by grammar rule, where a list of tokens would say less (parser/messages.ts).
    expectsStatement: "a statement (`sync`, `param`, `view`, `link`, `from`, `limit`, `on`, `every`, `nightly` or `cron`)",
    expectsLinkItem: "a link item: `match`, `else match`, `write back`, `create`, `skip`, `when`, `conflicts`, or a mapping like `a.x -> b.y`",
    expectsClauseOrAction: "a clause (`from`, `let`, `where`, `skip`) or the rule's action (`create`, `upsert` or `delete`)",
    expectsClause: "a clause (`from`, `let`, `where` or `skip`)",
    expectsArrow: "a direction: `<->`, `->` or `<-`",
    expectsType: "a type (`str`, `int`, `num`, `bool`, `date`, `datetime`, `schedule`, a list such as `str[]`) or allowed strings (\"a\" | \"b\")",
    expectsConflictPolicy: "`newest by` or `prefer`",
    expectsSchedule: "`every`, `nightly` or `cron`",
    expectsEvent: "an event name such as `donor.updated`, or `any event`",
    expectsWriteAction: "`create` or `upsert`",
    expectsExpression: "a value: a name, a string, a number, `true`, `false`, `null`, `(`, `[`, `{`, `not`, `if` or `-`",
    expectsValue: "a value",
    expectsOperand: "a value: a name, a string, a number, `true`, `false`, `null`, `(`, `[`, `{`, `not` or `-`",
    expectsMapping: "a mapping like `a.x -> b.y`",
    expectsFieldName: "a field name after `.`",
    expectsSomethingElse: "something else",
    expectsEither: "{choices}",
    // A token the parser expected, and the place it expected it.
    inSyncLine: "{token} in the `sync` line",
    inParam: "{token} in this param",
    inView: "{token} in this view",
    inLink: "{token} in this link",
    inLinkSide: "{token} in this side of the link",
    inCreate: "{token} in this `create`",
    inWriteBack: "{token} in this `write back`",
    afterWhen: "{token} after the `when` condition",
    inAssignment: "{token} in this assignment",
    inBlock: "{token} in this block",
    inFrom: "{token} in this `from`",
    inLet: "{token} in this `let`",
    inSkip: "{token} in this `skip`",
    inLimit: "{token} in this `limit`",
    inDirection: "{token} in the trigger's direction",
    inRenames: "{token} in the sub-field list",
    inCall: "{token} in this call",
    inList: "{token} in this list",
    inObject: "{token} in this object",
    toCloseParen: "{token} to close `(`",
    // What the parser found instead.
    foundEnd: "the end of the file",
    foundName: "the name `{image}`",
    foundString: "the string {image}",
    foundNumber: "the number {image}",
    foundTime: "the time {image}",
    foundToken: "`{image}`",
    // Notes on a `when` read as a block.
    whenAtLineEnd: "a mapping's condition goes at the end of its line: `a.x -> b.y when CONDITION`",
    whenStartsLine: "this `when` starts its own line, so it opens a block `when CONDITION { mappings }`; to give one mapping a condition, put `when` at the end of that mapping's line",
    whenAfterMapping: "a mapping's condition comes after it, on its line: `a.x -> b.y when CONDITION`",
  }),
  SYN002: error("missing closing bracket", "A `{`, `(` or `[` was opened and not closed. Close it where the block or expression ends.", {
    expected: "expected {expected}, found {found}",
    closedBy: "`{opener}` opened here is closed by `{closer}`",
    mayBeUnclosed: "this `{opener}` may be missing its closing `{closer}`",
  }),
  SYN003: error("unexpected end of file", "The file ended in the middle of a statement. Finish the statement or remove the partial line.", {
    expected: "expected {expected}, found {found}",
  }),
  SYN004: error("nesting too deep", "Expressions and blocks may nest at most 64 levels deep; a chain of one operator, such as `a or b or c`, is one level however long. Use `let` or a `view` to name a part.", {
    tooDeep: "brackets or prefix operators nest more than {limit} levels deep here",
    expressionTooDeep: "expressions nest more than {limit} levels deep here",
    tooDeepToRead: "the spec nests expressions too deeply to read",
  }),
  SYN005: error("invalid schedule", "Schedules read `every N minutes`, `every N hours`, `every hour`, `nightly at HH:MM in \"Time/Zone\"`, `cron \"m h dom mon dow\" in \"Time/Zone\"`, or `every PARAM` for a param of type schedule.", {
    unitAfterNumber: "expected `minutes` or `hours` after the number, found the name `{name}`",
    wholeNumber: "a schedule repeats every whole number of minutes or hours, 1 or more",
    afterEvery: "expected `minute`, `hour`, a number of minutes or hours, or a schedule param after `every`, found the name `{name}`",
    zoneNotNeeded: "a repeating schedule needs no time zone",
    notTimeOfDay: "{time} is not a time of day from 00:00 to 23:59",
    cronFields: "a cron expression has five fields, minute hour day-of-month month day-of-week (such as \"30 2 * * *\"); this one has {count}",
    cronInvalid: "the cron expression {expression} is invalid: {reason}",
    cronValue: "{value} is not a valid {field}",
    cronNever: "the cron expression {expression} never fires: no month it names has the day it names (such as February 30)",
    notZoneNear: "{zone} is not a time zone; did you mean {near}?",
    notZone: "{zone} is not a time zone; zones are IANA names such as \"America/New_York\"",
    notSchedule: "{text} is not a schedule; write \"every N minutes\", \"every N hours\", \"every hour\", \"nightly\", \"nightly at HH:MM in Zone/Name\" or \"cron m h dom mon dow\"",
  }),
  SYN006: error("invalid limit", "A safety limit reads `limit removals of SYSTEM.COLLECTION.FIELD to N%` or `limit deletes of SYSTEM.COLLECTION to N%`, either followed by `when more than COUNT`.", {
    notMeasure: "a limit is on `removals` or `deletes`, not `{measure}`",
    notShare: "a limit is a share from 0% to 100%, not {percent}%",
    notMoreThan: "a limit's floor reads `when more than COUNT`, not `when {words}`",
    notCount: "a limit's floor is a whole number of records or entries, not {floor}",
    setFieldTarget: "name the set field whose removals are limited, as SYSTEM.COLLECTION.FIELD",
    collectionTarget: "name the collection whose deletes are limited, as SYSTEM.COLLECTION",
  }),
  SYN007: error("invalid conflict policy", "Conflict policies read `conflicts newest by A.field, B.field, tie SYSTEM` or `conflicts prefer SYSTEM`.", {
    oneTimestamp: "`newest by` names one timestamp of each side, not one",
    timestampCount: "`newest by` names one timestamp of each side, not {count}",
    noTie: "say which side wins a tie: `, tie {system}`",
  }),
  SYN008: error("invalid number", "Numbers are written in decimal, like `12` or `2.5`, and must be finite.", {
    tooLarge: "the number {digits}... is too large",
  }),
  SYN009: error("chained comparison", "Comparisons do not chain: `a < b < c` would compare a bool with `c`. Write `a < b and b < c`, or add parentheses.", {
    chained: "comparisons do not chain: write `a {first} b and b {second} c`, or add parentheses",
  }),

  // NAM: names that do not resolve.
  NAM001: error("unknown system", "The name is not one of the systems under integrations/. Check the spelling, or add the system's definition.", {
    unknownSystem: "unknown system `{name}`",
    systemsAre: "the systems under integrations/ are {systems}",
  }),
  NAM002: error("unknown collection", "The system has no collection of that name.", {
    noCollection: "{system} has no collection `{collection}`",
    collectionsAre: "its collections are {collections}",
  }),
  NAM003: error("unknown field", "The record type has no field of that name.", {
    noField: "{owner} has no field `{field}`",
    recordNoField: "a {record} record has no field `{field}`",
    subFieldMissing: "`{object}` has no field `{field}`; its fields are {fields}",
    // The owner in `noField`: an object that is not a record (a record reads as TYP001's `aRecord`).
    theObject: "the object",
  }),
  NAM004: error("unknown name", "The name is not an alias, a `let`, a param, a view or a built-in value in scope here.", {
    unknownName: "unknown name `{name}`",
    isFunction: "`{name}` is a function; call it with parentheses, as `{name}(...)`",
    signature: "{signature}",
    createSide: "`create` names the side to create: {left} or {right}",
    unknownType: "unknown type `{type}`",
    paramTypes: "param types are str, int, num, bool, date, datetime, schedule, a list such as str[], or allowed strings \"a\" | \"b\"",
  }),
  NAM005: error("unknown function", "The language has no function of that name; grammar/functions.md lists them, each with its signature and examples.", {
    unknownFunction: "unknown function `{name}`",
    functionsAre: "the functions are {functions} (grammar/functions.md)",
  }),
  NAM006: error("unknown event", "The system's definition does not declare that event.", {
    noEvents: "{system} sends no events; its definition declares none",
    noEvent: "{system} has no event `{event}`",
    eventsAre: "its events are {events}",
  }),
  NAM007: error("unknown actor", "The system's definition does not declare that actor.", {
    noActors: "{system}'s events name no actors",
    noActor: "{system} has no actor `{actor}`",
    actorsAre: "its actors are {actors}",
  }),
  NAM008: error("name defined twice", "Aliases, lets, params and views share one namespace within their scope; each name may be defined once.", {
    alreadyDefined: "`{name}` is already defined",
    firstDefined: "first defined here",
    givenTwice: "`{name}` is given twice in this object",
    listedTwice: "{value} is listed twice",
    sameAlias: "both sides of the link are called `{alias}`",
  }),
  NAM009: error("system not part of this sync", "A spec reads and writes only the two systems of its `sync` line.", {
    notInSync: "`{name}` is not one of this sync's systems, {left} and {right}",
    notPartOfSync: "`{name}` is not part of this sync; the `sync` line joins {left} and {right}",
    sameSystem: "both sides of this link are in {system}; a link joins the two systems of the `sync` line",
    notLinkSide: "`{name}` is not a side of this link; name {left} or {right}",
  }),
  NAM010: error("unknown time zone", "Time zones are IANA names such as \"America/New_York\" or \"UTC\".", {
    unknownZone: "unknown time zone {zone}",
    zonesAre: "zones are IANA names, such as \"America/New_York\" or \"UTC\"",
  }),
  NAM011: error("not linked", "`linked(x)` needs x to be a record of a collection that exactly one `link` joins.", {
    notRecord: "linked() needs a record of a collection, but this is {found}",
    noLink: "no link joins {collection}; declare the `link` before this line",
    manyLinks: "{count} links join {collection}, so linked() cannot tell which is meant",
    linkDeclared: "a link is declared here",
  }),

  // TYP: types of expressions and values.
  TYP001: error(
    "type mismatch",
    "The value's type does not fit where it is used: a condition that is not a bool, a key that is not a string, a timestamp that is not a date, a value written into a field of another type, a param's default of another type than the param, or a param after `every` that is not a schedule. The message says what was expected and what was found.",
    {
      mustBe: "{what} must be {expected}, but this is {found}",
      fieldValue: "`{field}` is {expected}, but this value is {found}",
      keyString: "a key is a string, but this is {found}",
      timestamp: "a timestamp must be a datetime or date, but this is {found}",
      everyParam: "`every {name}` needs a param of type schedule",
      scheduleDefault: "a schedule param's default is a string such as \"every 10 minutes\"",
      defaultType: "the default must be {expected}, but this is {found}",
      writeDate: "a date is written as a string such as \"2026-10-01\"",
      writeDatetime: "a datetime is written as a string such as \"2026-10-01T00:00:00Z\"",
      // What `mustBe` says must have a type (`what`).
      aCondition: "a condition",
      notOperand: "the operand of `not`",
      ifCondition: "the condition of `if`",
      leftOf: "the left of `{operator}`",
      rightOf: "the right of `{operator}`",
      whereCondition: "a `where` condition",
      skipCondition: "a skip's condition",
      skipReason: "a skip's reason",
      addOnlyWhenCondition: "the condition of `add only when`",
      createCondition: "a create's condition",
      mappingCondition: "a mapping's condition",
      matchCondition: "a match condition",
      whenCondition: "a `when` block's condition",
      // How a type reads in any message (describe in types/type.ts).
      typeString: "the string {value}",
      typeOneOf: "one of {count} strings",
      typeListOf: "list of {item}",
      typeObject: "an object {{fields}}",
      aRecord: "a {name} record",
      anRecord: "an {name} record",
      typeUnknown: "unknown",
    },
  ),
  TYP002: error("wrong number of arguments", "The function takes a different number of arguments; grammar/README.md gives each function's parameters.", {
    takesOne: "{name} takes {count} argument, not {given}: {signature}",
    takes: "{name} takes {count} arguments, not {given}: {signature}",
    countEither: "{min} or {max}",
    countRange: "{min} to {max}",
    asFunction: "`as` compares through a function of one value, such as `digits`, `lower` or `trim`; `{name}` is not one",
    asNested: "`as` names its functions in the order they apply, not one inside another: write `as {chain}`",
  }),
  TYP003: error("not a record", "Only records and objects have fields; the expression before `.` is of another type.", {
    needsRecord: "`.{field}` needs a record or object, but the value before it is {found}",
  }),
  TYP004: error("value not allowed", "The value is not among the values the field or param allows.", {
    notAllowed: "{value} is not one of the allowed values {allowed}",
    defaultNotAllowed: "the default {value} is not one of {allowed}",
  }),
  TYP005: error("aggregate outside a group", "`count()` and aggregates of a single value (`sum(x)`, `max(x)` ...) add up the rows of one target record; they are allowed only inside an `upsert` or `create` block of a `from` rule.", {
    outsideGroup: "`{name}()` adds up the rows of one target record, so it belongs in an `upsert` or `create` block of a `from` rule; to add up a list here, pass a list",
    outsideGroupOfValue: "`{name}(x)` adds up the rows of one target record, so it belongs in an `upsert` or `create` block of a `from` rule; to add up a list here, pass a list",
  }),
  TYP006: error("not a list", "The expression must be a list here: a `from ... in` source, the right side of `in`, or a list function's argument.", {
    fromSource: "`from {alias} in` needs a collection, a view or a list, but this is {found}",
    fromSystem: "`{system}` is a system; name one of its collections",
    inRight: "the right of `in` must be a list, but this is {found}",
  }),
  TYP007: error("invalid lookup", "Brackets after a collection take either a key (`coll[x.id]`) or field comparisons joined with `and` (`coll[email == x.email]`), where the left of each `==` names a field of the collection.", {
    notLookup: "brackets look up rows of a collection or a view, but the value before them is {found}",
    lookupCondition: "a lookup compares fields with `==`, joined by `and`; for any other condition, use a `view` with `where`, or `where` after the lookup",
    viewNoKey: "the rows of view `{view}` have no key; look them up by field, as in `{view}[field == value]`",
    keyString: "a key is a string, but this is {found}; to look up by a field, write `field == value`",
  }),
  TYP008: error(
    "values that cannot be compared",
    "`==`, `!=`, `in`, a match's `==` and a lookup's `==` compare values of one kind: numbers with numbers, texts with texts, dates with dates. `<`, `<=`, `>` and `>=` also need values with an order, so not bools, lists or records.",
    {
      cannotCompare: "cannot compare {left} with {right}",
      cannotMatch: "cannot match {left} with {right}",
      cannotFind: "cannot look for {item} in a list of {items}",
      unordered: "`{operator}` needs values with an order (numbers, texts, dates), not {found}",
      dateFix: "a datetime compares with a date as the day it falls on: write date({expression})",
    },
  ),
  TYP009: error("malformed date", "A string compared with a date or datetime must be written as one: dates as \"YYYY-MM-DD\", datetimes like \"2026-11-01T14:05:00Z\".", {
    notDate: "{text} is not a date; dates are written \"YYYY-MM-DD\", such as \"2026-11-01\"",
    notDatetime: "{text} is not a datetime; datetimes are written like \"2026-11-01T14:05:00Z\"",
  }),
  TYP010: error("operator on the wrong type", "`-`, `*` and `/` take numbers; `+` adds numbers or joins texts, and cannot join lists, records or bools.", {
    negate: "`-` needs a number, but this is {found}",
    joinsTexts: "`+` joins texts; this is {found}",
    needsNumbers: "`{operator}` needs numbers, but this is {found}",
    plusNeeds: "`+` needs numbers or texts, but this is {found}",
  }),
  TYP011: error("function argument of the wrong type", "The function does not take a value of this type; grammar/functions.md gives each function's parameters. `map` takes its table written in place, like `{\"M\": \"Male\"}`.", {
    mapTable: "the second argument of map is a table written in place, like {\"M\": \"Male\", \"F\": \"Female\"}",
    // What a function's argument does not fit (functions/catalog.ts).
    needsString: "`{name}` needs a string, but this is {found}",
    needsStringOrList: "`{name}` needs a string or a list, but this is {found}",
    needsDatetime: "`{name}` needs a datetime, but this is {found}",
    needsSingleValue: "`{name}` needs a single value, but this is {found}",
    needsStringToLookUp: "`{name}` needs a string to look up, but this is {found}",
    needsTable: "`{name}` needs a table like {\"M\": \"Male\"} as the second argument, but this is {found}",
    needsLookupList: "`{name}` needs a list, such as a lookup `coll[field == value]`, but this is {found}",
    needsList: "`{name}` needs a list, but this is {found}",
    needsNumbers: "`{name}` needs numbers, but this is {found}",
    needsOrder: "`{name}` needs values with an order, but this is {found}",
    valuesOfOneType: "`{name}` needs values of one type",
    tableOfOneType: "`{name}` needs the table's values and the default to have one type",
  }),
  TYP012: error("branches or items of different types", "Both branches of an `if`, and all the items of a list, must be of one type (`null` goes with any type).", {
    ifBranches: "the branches of this `if` have different types: {then} after `then`, {otherwise} after `else`",
    listItems: "the items of a list must have one type; this one is {item}, the ones before it are {before}",
  }),
  TYP013: error("two-way mapping between different types", "A `<->` mapping, and each renamed sub-field pair in it, joins values of one type, since each side is written into the other. To convert a value, map it one way.", {
    twoWay: "`<->` joins fields of one type, but {left} is {leftType} and {right} is {rightType}",
    renamed: "`{from}` is {fromType} but `{to}` is {toType}",
  }),
  TYP014: error("system used as a value", "A system's name alone is not a value; name one of its collections, as SYSTEM.COLLECTION.", {
    systemValue: "`{system}` is a system; name one of its collections, such as `{system}.{collection}`",
  }),
  TYP015: error("not a collection", "A link joins, and a rule writes into, a collection named as SYSTEM.COLLECTION (a link also takes a view that selects the records of one); `delete` takes a record, or a collection with `key`.", {
    linkSide: "a link joins a collection (SYSTEM.COLLECTION) or a view that selects the records of one",
    writeTarget: "write into a collection, named as SYSTEM.COLLECTION",
    deleteTarget: "`delete` takes a record, or a collection with `key`; this is {found}",
  }),
  TYP016: error("param default not a literal", "A param's default is written as a literal value: a string, a number, `true`, `false`, `null` or a list of them.", {
    notLiteral: "a param's default is a literal value: a string, number, true, false, null or a list of them",
  }),

  // SEM: the meaning of statements.
  SEM001: error("missing sync line", "A spec starts with `sync A <-> B`, `sync A -> B` or `sync A <- B`, naming the two systems it joins.", {
    noSync: "the spec has no `sync` line; start it with `sync SYSTEM <-> SYSTEM`",
    sameSystems: "a spec joins two different systems",
  }),
  SEM002: error("write against the sync's direction", "The `sync` line allows writes only into the system its arrow points to.", {
    syncDirection: "the `sync` line writes only into {into}, so nothing may be written into {system}",
    linkDirection: "this link is `{direction}`, so it writes only into {alias}",
    linkDirectionIsHere: "the link's direction",
  }),
  SEM003: error("field written twice", "Two mappings or assignments write the same target field in the same direction; keep one, or make their `when` conditions part of one expression.", {
    writtenTwice: "`{field}` is written twice in this link",
    alsoWritten: "also written here",
    setTwice: "`{field}` is set twice in this block",
    firstSet: "first set here",
  }),
  SEM004: error("two-way mapping not invertible", "A `<->` mapping must join a field to a field, or an object to an object with renamed sub-fields; put an expression only on a one-way mapping.", {
    notField: "{what} must be a field of {left} or {right}, such as `{example}`",
    // What `notField` says must be a field (`what`).
    eachSide: "each side of `<->`",
    writeBackTarget: "the target of `write back`",
    oneWayTarget: "the target of `{arrow}`",
    expression: "a `<->` mapping joins a field to a field; put an expression on a one-way mapping (`->` or `<-`) instead",
    sameSide: "both sides of this mapping are fields of {alias}; `<->` joins {left} with {right}",
    renamesNotObjects: "renamed sub-fields `{a: b}` join two objects, but these are not both objects",
    renamesOneWay: "renamed sub-fields `{a: b}` belong to a `<->` mapping; for one way, map each sub-field on its own line",
    asRenamed: "`as` compares single fields; an object with renamed sub-fields is compared sub-field by sub-field as it is",
  }),
  SEM005: error("invalid link match", "A link matches with `==` between an expression of one side and an expression of the other; other conditions in `match` may name only one side.", {
    noKey: "a match needs at least one `==` between {left} and {right}, such as `{right}.x == {left}.y`",
    noMatch: "this link has no `match`: say when {left} and {right} correspond, as in `match {right}.x == {left}.y`",
    elseFirst: "`else match` follows a `match`",
    oneSided: "a match compares {left} with {right} using `==`; other conditions here may name only one of them",
  }),
  SEM006: error("field not writable", "A record's key field is set by its key expression and cannot be mapped or assigned.", {
    linkKey: "`{field}` is {alias}'s key; a link cannot change it",
    recordKey: "`{field}` is the record's key; it is set by the `key` expression",
  }),
  SEM007: error("conflict policy without two-way fields", "A `conflicts` policy resolves `<->` mappings; this link has none.", {
    nothingToConflict: "this link has no `<->` mapping, so nothing can conflict",
  }),
  SEM008: error("two-way fields without a conflict policy", "A link with `<->` mappings needs `conflicts newest by ...` or `conflicts prefer SYSTEM` to decide when both sides changed.", {
    noPolicy: "this link has `<->` mappings but no `conflicts` policy for fields changed on both sides",
    addNewestOrPrefer: "add `conflicts newest by {left}, {right}, tie {system}` or `conflicts prefer {system}`",
    addPrefer: "add `conflicts prefer {system}`",
  }),
  SEM009: error("duplicate statement", "The statement may appear once per spec (or once per link).", {
    oneSync: "a spec has one `sync` line",
    oneMatch: "a link has one `match`; write further ways to match as `else match`",
    oneWriteBack: "a link has one `write back`",
    oneConflicts: "a link has one `conflicts` policy",
    firstIsHere: "the first is here",
    alreadyLinked: "{left} and {right} are already linked",
  }),
  SEM010: error("wrong side", "The expression names the wrong alias for this place; the message says which side is expected.", {
    valueSide: "the value written into {target} must come from {source}, not from {target} itself",
    writeBackReads: "`write back` writes a value of one side into the other; this reads {alias}",
    skipSide: "a link's skip is about one record, before it is linked: its condition and reason name either {left} or {right}",
    timestampSide: "each timestamp names one side: {left} or {right}",
    timestampsOfOneSide: "both timestamps are of {alias}; give one of each side",
    createReads: "`{other}` is the record being created, so its fields are not there to read; a create reads only `{name}`",
  }),
  SEM011: error("invalid set modifier", "`add only when ...` applies to list-valued fields only.", {
    notList: "`add only when` applies to list fields; `{field}` is {found}",
  }),
  SEM012: error("trigger direction not in the sync", "A trigger's direction must be one the `sync` line allows.", {
    neverWrites: "this sync never writes from {from} into {to}, so no trigger can run that way",
  }),
  SEM013: error(
    "required field not set on create",
    "A created record leaves empty a field its schema requires, so the snapshot it is written into would no longer be valid. Set the field in the `create` or `upsert` block, or through a mapping.",
    {
      leavesOneEmpty: "{record} made here leaves {fields} empty, but its schema requires it",
      leavesEmpty: "{record} made here leaves {fields} empty, but its schema requires them",
      setIt: "set it in the block, such as `{field} = ...`",
      setThem: "set them in the block, such as `{field} = ...`",
      fieldList: "{fields} and {last}",
    },
  ),
  SEM014: error("limit on a field no rule writes", "A safety limit must name a set-valued field (or a collection) that one of the spec's rules writes (or deletes from).", {
    notSetField: "`{field}` is not a set field, so nothing is removed from it",
    notWritten: "no rule of this spec writes `{field}`",
    notDeleted: "no rule of this spec deletes from {collection}",
  }),
  SEM015: warning("deletes without a limit", "A rule deletes from a collection that no `limit deletes of` covers: a read that comes back thin (a collection empty by mistake) could delete every record the spec owns there. Add `limit deletes of SYSTEM.COLLECTION to N% when more than COUNT`, so that a run deleting more than N% and more than COUNT records fails and changes nothing.", {
    noLimit: "nothing limits the deletes from {collection}; add `limit deletes of {collection} to N% when more than M`",
  }),
  SEM017: error("resyncs that cannot be evaluated", "`resyncs` names records an event's run covers besides its own, each found from the event's record: `on SYSTEM EVENT as NAME resyncs SYSTEM.COLLECTION[NAME.FIELD]` (by key) or `SYSTEM.COLLECTION[FIELD == NAME.FIELD]` (by a field). The record needs its name (`as NAME`), and the trigger's events must all name records of one collection.", {
    noRecordName: "`resyncs` needs the event's record named: write `as NAME` after the events of {system}",
    anyEvent: "`any event` of {system} names records of many collections; name the events that `resyncs` follows",
    severalCollections: "`{name}` would be a record of {collections}; give `resyncs` events of one collection",
    notLookup: "`resyncs` takes a lookup of a collection, SYSTEM.COLLECTION[KEY] or SYSTEM.COLLECTION[FIELD == VALUE]",
  }),
  SEM016: warning("event that reaches nothing", "An event starts a run over the record it names and what that record reaches: a link with its collection on a side, a rule that starts from its collection (directly or through a view), and the records those look up. An event whose collection none of them passes over starts a run that changes nothing. Link that collection or start a rule from it, or leave the event out of the trigger.", {
    reachesNothing: "{system} {event} names a record of {collection}, which no link or rule of this spec passes over: its run would change nothing",
    anyReachesNothing: "no event of {system} names a record of a collection a link or rule of this spec passes over: their runs would change nothing",
  }),
  SEM018: warning("writes that undo each other", "Two rules write the same field of the same records (the same collection, by the same key) with different values: each round of a run one undoes the other, and the run stops with RUN001, the spec never settles. Write the field in one rule, or give the rules conditions that never hold together.", {
    fight: "`{field}` of {collection} is written here and by the rule at line {line}, by the same key, with another value: a run would set it back and forth and never settle",
  }),

  // SYS: system definitions under integrations/.
  SYS001: error("invalid system definition", "integrations/<system>/system.yaml does not match the definition format; the message names the place.", {
    notYaml: "not valid YAML: {reason}",
    definitionInvalid: "the definition {problem}",
    valueInvalid: "/{path} {problem}",
    isInvalid: "is invalid",
    folderName: "the system is named {name} but its folder is {folder}; they must agree",
    keyNotProperty: "the key field {key} is not a property of the record",
    eventCollection: "the event names the collection {collection}, which is not defined",
    // A record's JSON Schema that the language cannot read (systems/schema-types.ts).
    enumValues: "an enum must list strings, or whole numbers",
    oneType: "a field has one type, optionally with \"null\"",
    unknownFormat: "the format {format} is not one the language knows (date, date-time)",
    arrayItems: "an array field needs `items`",
    objectProperties: "an object field needs `properties`",
    fieldSchema: "a field's schema must be an object",
    unknownType: "the type {type} is not a JSON Schema type",
  }),
};
