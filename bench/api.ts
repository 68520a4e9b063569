// What the benchmarks call in process: the compiler, and a generator of large specs.
import { tokenize } from "../src/language/lexer/lex.js";
import { SourceFile } from "../src/source/source-file.js";

export { compileSpec } from "../src/language/compile.js";
export { loadSystems } from "../src/language/systems/load.js";

export function lexOnly(text: string): number {
  return tokenize(new SourceFile("bench.sync", text)).value?.tokens.length ?? 0;
}

/**
 * A valid spec of about `lines` lines, shaped like the seed specs: a two-way link with
 * mappings, then views and rules with lookups, conditions and write blocks, repeated.
 */
export function generateSpec(lines: number): string {
  const out = [
    "# A generated spec for the compile benchmark.",
    "sync raisedonors <-> virtuous",
    "",
    'param mode: "conservative" | "liberal" = "conservative"',
    "",
    "link donor in raisedonors.donors <-> contact in virtuous.contacts {",
    '  match contact.referenceSource == "RaiseDonors" and contact.referenceId == donor.id',
    '  create contact key "rd-" + donor.id {',
    '    contactType = if donor.isOrganization then "Organization" else "Household"',
    '    name = coalesce(donor.organizationName, donor.firstName + " " + donor.lastName)',
    "    isArchived = false",
    "    modifiedDateTimeUtc = now",
    "  }",
    "  donor.firstName <-> contact.firstName when not donor.isOrganization",
    "  donor.address { line1: address1, line2: address2, city, state, postalCode: postal, country } <-> contact.address",
    "  donor.email -> contact.email",
    "  conflicts newest by donor.modifiedDate, contact.modifiedDateTimeUtc, tie raisedonors",
    "}",
  ];
  for (let i = 0; out.length < lines - 16; i++) {
    // Comments as the seed specs have them: they explain each rule in the article's words,
    // which also keeps the generated spec as dense in tokens per line as the seed specs.
    out.push(
      "",
      `# Gifts of batch ${i}: a succeeded, live gift above ${i}`,
      "# of a linked donor becomes a Virtuous gift, kept in step.",
      `view gifts_${i} = from gift in raisedonors.gifts`,
      `  where gift.status == "Succeeded" and not gift.isTestMode and gift.amount > ${i}`,
      "  select gift",
      "",
      "# A gift whose donor is missing is skipped with a reason.",
      `from gift in gifts_${i}`,
      "  let donor = raisedonors.donors[gift.donorId]",
      '  skip "gift " + gift.id + " has no donor" when donor == null',
      "  let contact = linked(donor)",
      `  where contact != null and (mode == "liberal" or lower(trim(contact.email)) != "")`,
      `  upsert virtuous.gifts key "rd-gift-${i}-" + gift.id {`,
      "    contactId = contact.id",
      "    amount = sum(gift.amount)",
      "    giftDate = max(gift.date)",
      '    transactionSource = "RaiseDonors"',
      "    initially transactionId = gift.id",
      "  }",
    );
  }
  return `${out.join("\n")}\n`;
}
