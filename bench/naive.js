// The naive way, for the runtime benchmark: the RaiseDonors <-> Virtuous contact sync written
// directly, building the desired documents whole (a deep copy of each snapshot with the sync
// applied) and diffing them with fast-json-patch's compare. `syncspec plan` must do the same
// work for at most a fifth of this one's cost beyond reading and parsing the files.
import { readFileSync } from "node:fs";
import jsonpatch from "fast-json-patch";

const [rdFile, vFile, stateFile] = process.argv.slice(2);
const rd = JSON.parse(readFileSync(rdFile, "utf8"));
const v = JSON.parse(readFileSync(vFile, "utf8"));
const state = JSON.parse(readFileSync(stateFile, "utf8"));
// The state as `syncspec apply` writes it: each pair's values in the order of the link's mappings.
const { mappings, pairs } = state.links["raisedonors.donors<->virtuous.contacts"];
const synced = new Map(
  pairs.map(([d, c, presence, ...values]) => {
    const last = {};
    let at = 0;
    mappings.forEach((m, i) => presence[i] === "1" && (last[m] = values[at++]));
    return [`${d}\u0000${c}`, last];
  }),
);

const desiredRd = structuredClone(rd);
const desiredV = structuredClone(v);
const byReference = new Map();
for (const contact of Object.values(desiredV.contacts)) if (contact.referenceSource === "RaiseDonors") byReference.set(contact.referenceId, contact);

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const toContactAddress = (a) => (a ? { address1: a.line1, address2: a.line2, city: a.city, state: a.state, postal: a.postalCode, country: a.country } : null);
const toDonorAddress = (a) => (a ? { line1: a.address1, line2: a.address2, city: a.city, state: a.state, postalCode: a.postal, country: a.country } : null);
const fields = [
  ["firstName<->firstName", (d) => d.firstName, (c) => c.firstName, (d, x) => (d.firstName = x), (c, x) => (c.firstName = x)],
  ["lastName<->lastName", (d) => d.lastName, (c) => c.lastName, (d, x) => (d.lastName = x), (c, x) => (c.lastName = x)],
  ["phone<->phone", (d) => d.phone, (c) => c.phone, (d, x) => (d.phone = x), (c, x) => (c.phone = x)],
  ["address<->address", (d) => d.address, (c) => toDonorAddress(c.address), (d, x) => (d.address = x), (c, x) => (c.address = toContactAddress(x))],
];
for (const donor of Object.values(desiredRd.donors)) {
  const contact = byReference.get(donor.id);
  if (!contact) continue;
  const last = synced.get(`${donor.id}\u0000${contact.id}`) ?? {};
  for (const [id, fromDonor, fromContact, toDonor, toContact] of fields) {
    const d = fromDonor(donor);
    const c = fromContact(contact);
    if (same(d, c)) continue;
    if (id in last && same(d, last[id])) toDonor(donor, c);
    else if (id in last && same(c, last[id])) toContact(contact, d);
    else if (Date.parse(donor.modifiedDate) >= Date.parse(contact.modifiedDateTimeUtc)) toContact(contact, d);
    else toDonor(donor, c);
  }
  contact.email = donor.email;
  donor.crmKey = contact.id;
}
const patches = { raisedonors: jsonpatch.compare(rd, desiredRd), virtuous: jsonpatch.compare(v, desiredV) };
console.log(patches.raisedonors.length + patches.virtuous.length);
