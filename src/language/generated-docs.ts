// Every file the project generates, with the function that makes it. `npm run generate`
// writes them; test/language/docs/generated.test.ts fails when a committed copy has drifted.
import { errorsMarkdown } from "../diagnostics/errors-md.js";
import { codeExamples } from "./code-examples.js";
import { functionsMarkdown } from "./functions/reference-md.js";
import { diagramsHtml } from "./parser/diagrams.js";

export const GENERATED: readonly { readonly path: string; readonly make: () => string }[] = [
  { path: "grammar/errors.md", make: () => errorsMarkdown(codeExamples()) },
  { path: "grammar/functions.md", make: functionsMarkdown },
  { path: "grammar/diagrams.html", make: diagramsHtml },
];
