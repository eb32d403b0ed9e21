/**
 * `npm run generate`: writes the files generated from the options, the
 * template's metadata.json and the README's parameter table. Tests fail when
 * the committed files differ from what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { metadataJson } from "./metadata";
import { withParameters } from "./readme-parameters";

export const repoRoot = path.resolve(__dirname, "..", "..");

const readme = path.join(repoRoot, "README.md");
writeFileSync(readme, withParameters(readFileSync(readme, "utf8")));
const metadata = path.join(repoRoot, "metadata.json");
writeFileSync(metadata, metadataJson());
process.stdout.write(`generated the parameters of ${readme} and ${metadata}\n`);
