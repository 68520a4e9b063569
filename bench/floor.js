// The floor of the runtime benchmark: read and JSON.parse the same snapshot files, and nothing
// else. The parsed documents are kept, as any reader of them would keep them.
import { readFileSync } from "node:fs";

const documents = [];
for (const file of process.argv.slice(2)) documents.push(JSON.parse(readFileSync(file, "utf8")));
console.log(documents.reduce((collections, document) => collections + Object.keys(document).length, 0));
