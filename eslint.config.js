// ESLint (`npm run lint`, which `make test` runs): typescript-eslint's
// recommended rules; layout is Prettier's (.prettierrc.json), so
// eslint-config-prettier turns off the rules that would disagree with it.
"use strict";
const js = require("@eslint/js");
const globals = require("globals");
const tseslint = require("typescript-eslint");
const prettier = require("eslint-config-prettier");

module.exports = tseslint.config(
  // docs/research holds the probes of past investigations, kept as they ran.
  { ignores: ["dist/**", "node_modules/**", ".cache/**", "out/**", "docs/research/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `_`-prefixed names are unused on purpose (a callback's position, a field left out by destructuring).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    // The scripts are CommonJS run by plain Node.
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests walk JSON that Google's and Flink's APIs return, which has no types here.
    files: ["pipeline/test/**/*.ts", "template/test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
