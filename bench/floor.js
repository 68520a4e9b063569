// The floor of the runtime benchmark: read and JSON.parse the same snapshot files, nothing else.
import { readFileSync } from "node:fs";

let records = 0;
for (const file of process.argv.slice(2)) {
  const data = JSON.parse(readFileSync(file, "utf8"));
  for (const collection of Object.values(data)) records += Object.keys(collection).length;
}
console.log(records);
