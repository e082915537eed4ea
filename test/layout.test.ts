/**
 * The layout's two promises, checked by reading the imports of every source file: no product or bench code imports
 * from test/, and the config folder has no import circle.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const SKIP = new Set(["node_modules", ".git", "test", "coverage"]);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) || entry.name.startsWith(".") ? [] : sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** Relative module specifiers of `import … from`, `import(…)`, `require(…)` and `export … from`. */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+["'](\.[^"']*)["']/g, /\bimport\s*\(\s*["'](\.[^"']*)["']\s*\)/g, /\brequire\s*\(\s*["'](\.[^"']*)["']\s*\)/g, /\bimport\s+["'](\.[^"']*)["']/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

function resolveImport(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, path.join(base, "index.ts"), path.join(base, "index.js")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return base;
}

test("the import scanner sees every form of import (so the checks below can fail)", () => {
  const source = `import { a } from "./a";\nexport * from "../b";\nconst c = require("./c");\nawait import("./d");\nimport "./e";`;
  expect(relativeImports(source).sort()).toEqual(["../b", "./a", "./c", "./d", "./e"]);
});

test("no product or bench code imports from test/", () => {
  const testDir = path.join(ROOT, "test") + path.sep;
  const offending: string[] = [];
  for (const file of sourceFiles(ROOT)) {
    for (const specifier of relativeImports(fs.readFileSync(file, "utf8"))) {
      if (resolveImport(file, specifier).startsWith(testDir)) offending.push(`${path.relative(ROOT, file)} imports ${specifier}`);
    }
  }
  expect(offending).toEqual([]);
});

/** Every import circle among these files, each as `a.ts → b.ts → a.ts`. */
function importCircles(files: string[]): string[] {
  const edges = new Map(files.map((file) => [file, relativeImports(fs.readFileSync(file, "utf8")).map((s) => resolveImport(file, s)).filter((target) => files.includes(target))]));
  const circles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      circles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(ROOT, f)).join(" → "));
      return;
    }
    state.set(file, "visiting");
    for (const next of edges.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, "done");
  };
  for (const file of files) visit(file, []);
  return circles;
}

test("the circle finder finds a circle (so the check below can fail)", () => {
  const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "circle-"));
  fs.writeFileSync(path.join(dir, "a.ts"), `import type { B } from "./b";\nexport type A = 1;`);
  fs.writeFileSync(path.join(dir, "b.ts"), `import type { A } from "./a";\nexport type B = 2;`);
  expect(importCircles([path.join(dir, "a.ts"), path.join(dir, "b.ts")])).toHaveLength(1);
});

test("no import circle anywhere in the project (type-only imports count: shared types live in their own module)", () => {
  const files = sourceFiles(ROOT);
  expect(files.length).toBeGreaterThan(50);
  expect(importCircles(files)).toEqual([]);
});

test("the local Azure servers are test infrastructure: no product code imports them, and they are not under cli/", () => {
  const servers = path.join(ROOT, "azure-test-servers") + path.sep;
  expect(fs.existsSync(servers)).toBe(true);
  expect(fs.existsSync(path.join(ROOT, "cli/local-azure"))).toBe(false);
  const product = sourceFiles(ROOT).filter((file) => !file.startsWith(servers) && !file.startsWith(path.join(ROOT, "cli/bench") + path.sep));
  const offending = product.flatMap((file) =>
    relativeImports(fs.readFileSync(file, "utf8"))
      .filter((specifier) => resolveImport(file, specifier).startsWith(servers))
      .map((specifier) => `${path.relative(ROOT, file)} imports ${specifier}`),
  );
  expect(offending).toEqual([]);
});
