// Generates the runtime benchmark's data once, into a cache folder reused by later runs:
// 200,000 RaiseDonors donors and 1,000,000 Virtuous contacts (about 470 MB of JSON), a fifth
// of the contacts linked (one per donor), the state of the last sync, and 5% of the linked
// pairs with a two-way field changed on one side since then.
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const DONORS = 200_000;
export const CONTACTS = 1_000_000;
const VERSION = 2;

/** A small deterministic generator, so every run measures the same data. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ann", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ida", "Jo", "Kim", "Lu", "Mo", "Ned", "Oli", "Pat"];
const LAST = ["Lee", "Ng", "Oh", "Park", "Quinn", "Ruiz", "Sato", "Tran", "Ueda", "Vega", "Wong", "Xu", "Young", "Zhu"];
const CITIES = [["Springfield", "IL", "62701"], ["Portland", "OR", "97201"], ["Austin", "TX", "73301"], ["Boston", "MA", "02108"]];

async function writeJson(file, collections) {
  const out = createWriteStream(file);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once("drain", r)));
  await write("{");
  let firstCollection = true;
  for (const [name, count, make] of collections) {
    await write(`${firstCollection ? "" : ","}\n${JSON.stringify(name)}: {`);
    firstCollection = false;
    let chunk = "";
    for (let i = 0; i < count; i++) {
      const [key, record] = make(i);
      chunk += `${i === 0 ? "" : ","}\n${JSON.stringify(key)}: ${JSON.stringify(record)}`;
      if (chunk.length > 1 << 20) {
        await write(chunk);
        chunk = "";
      }
    }
    await write(`${chunk}\n}`);
  }
  await write("\n}\n");
  await new Promise((r) => out.end(r));
}

export async function benchData() {
  const dir = join(tmpdir(), `syncspec-bench-data-v${VERSION}`);
  const files = { raisedonors: join(dir, "raisedonors.json"), virtuous: join(dir, "virtuous.json"), state: join(dir, "state.json") };
  if (existsSync(join(dir, "done"))) return files;
  mkdirSync(dir, { recursive: true });
  const rand = random(42);
  const person = (i) => {
    const [city, state, postal] = CITIES[i % CITIES.length];
    return {
      first: FIRST[i % FIRST.length],
      last: LAST[(i * 7) % LAST.length],
      phone: `202-555-${String(i % 10000).padStart(4, "0")}`,
      address: { line1: `${i} Main St`, line2: null, city, state, postalCode: postal, country: "US" },
      email: `donor${i}@example.org`,
    };
  };
  // Which linked pairs changed since the last sync, and on which side: 5% of them.
  const changed = new Map();
  for (let i = 0; i < DONORS; i++) if (rand() < 0.05) changed.set(i, rand() < 0.5 ? "raisedonors" : "virtuous");
  const edited = (p, side, i) => (changed.get(i) === side ? { ...p, phone: `303-555-${String(i % 10000).padStart(4, "0")}` } : p);

  await writeJson(files.raisedonors, [
    ["donors", DONORS, (i) => {
      const p = edited(person(i), "raisedonors", i);
      return [`d${i}`, { id: `d${i}`, firstName: p.first, lastName: p.last, isOrganization: false, organizationName: null, email: p.email, phone: p.phone, address: p.address, crmKey: `c${i}`, modifiedDate: "2026-11-01T10:00:00Z", isArchived: false }];
    }],
    ["gifts", 0, () => []],
  ]);
  await writeJson(files.virtuous, [
    ["contacts", CONTACTS, (i) => {
      const linked = i < DONORS;
      const p = linked ? edited(person(i), "virtuous", i) : person(i + DONORS);
      const a = p.address;
      return [`c${i}`, {
        id: `c${i}`, contactType: "Household", name: `${p.first} ${p.last}`, firstName: p.first, lastName: p.last, email: p.email, phone: p.phone,
        address: { address1: a.line1, address2: a.line2, city: a.city, state: a.state, postal: a.postalCode, country: a.country },
        referenceSource: linked ? "RaiseDonors" : null, referenceId: linked ? `d${i}` : null, isArchived: false, modifiedDateTimeUtc: "2026-10-01T10:00:00Z",
      }];
    }],
    ["gifts", 0, () => []],
  ]);
  // The state after the last sync: every linked pair's two-way fields as they were then, in
  // the layout `syncspec apply` writes (src/state/state.ts), keys in the order it sorts them.
  const rows = [];
  for (let i = 0; i < DONORS; i++) {
    const p = person(i);
    rows.push([`d${i}`, JSON.stringify([`d${i}`, `c${i}`, "1111", p.address, p.first, p.last, p.phone])]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const mappings = ["address<->address", "firstName<->firstName", "lastName<->lastName", "phone<->phone"];
  const head = JSON.stringify({ syncspec: "state", version: 2, integration: "raisedonors-virtuous", lastRun: "2026-11-01T12:00:00Z" }).slice(0, -1);
  writeFileSync(files.state, `${head}, "links": {\n"raisedonors.donors<->virtuous.contacts": {"mappings": ${JSON.stringify(mappings)}, "pairs": [\n${rows.map((r) => r[1]).join(",\n")}\n]}\n}}\n`);
  writeFileSync(join(dir, "done"), "");
  return files;
}
