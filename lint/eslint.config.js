// eslint for vim-analyse: typescript-eslint's type-checked recommended rules on everything
// tsconfig.json compiles (src, bin, bench, fuzz, testkit, scripts); the tests, type-checked by
// tsconfig.test.json (`npm run typecheck:tests`) but not compiled, get the rules that need no
// types. Run from the repository: `npm run lint`.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = ['src/**/*.ts', 'bin/**/*.ts', 'bench/**/*.ts', 'fuzz/**/*.ts', 'testkit/**/*.ts', 'scripts/**/*.ts'];

/** The project's own idioms, in both groups. */
const rules = {
  // A leading underscore names a parameter or binding kept for its position or its shape.
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
  // Wire text is neutralised by matching control characters on purpose (report/visible.ts).
  'no-control-regex': 'off',
  // `'fin' | 'rst' | string` documents the known values of an open set.
  '@typescript-eslint/no-redundant-type-constituents': 'off',
  'max-len': ['warn', { code: 120, ignoreUrls: true, ignoreStrings: false, ignoreTemplateLiterals: false, ignoreRegExpLiterals: true }],
};

export default defineConfig(
  { basePath: root, ignores: ['dist/**', 'node_modules/**', 'lint/**', 'native/**', 'coverage/**'] },
  {
    basePath: root,
    files: compiled,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    // jsDocParsingMode: no rule here reads JSDoc, and TypeScript takes no types from it in .ts files.
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: root, jsDocParsingMode: 'none' } },
    rules: {
      ...rules,
      // Errors caught in a callback are kept (typed unknown, narrowed by a truth test) and rethrown later.
      '@typescript-eslint/only-throw-error': 'off',
      // An async function or generator without await keeps an async interface (a stream of one piece).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    basePath: root,
    files: ['src/**/*.ts', 'bin/**/*.ts'],
    // Formatted by prettier (printWidth 120); a string, comment or regex it cannot break is split by hand.
    rules: { 'max-len': ['error', { ...rules['max-len'][1], ignoreRegExpLiterals: false }] },
  },
  {
    basePath: root,
    files: ['test/**/*.ts', 'vitest.config.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      ...rules,
      'max-len': 'off',
      // Lab helpers check tcpdump's drop count after tearing it down, whether or not the run threw.
      'no-unsafe-finally': 'off',
      // Reported (`npm run lint`), not failing: an unused fixture or a `let` in a test harms nothing.
      '@typescript-eslint/no-unused-vars': ['warn', rules['@typescript-eslint/no-unused-vars'][1]],
      'prefer-const': 'warn',
    },
  },
);
