/**
 * How every part of this project reads a `Pulumi.<stack>.yaml` as YAML: with merge keys (`<<`) applied, as the
 * Pulumi CLI applies them when it loads stack config (it unmarshals the whole file with go-yaml, which merges, then
 * hands the program the merged values).
 *
 * go-yaml's rules (gopkg.in/yaml.v3, decode.go `merge`): an explicit key of the map wins over a merged one; in a list
 * of maps (`<<: [*a, *b]`) the earlier map wins; the merge is shallow; a `<<` whose value is not a map or a list of
 * maps is an error. The `yaml` package's `merge: true` follows the same rules (test/stackYamlMerge.test.ts).
 *
 * A map with two `<<` keys is refused: go-yaml v3 refuses the repeated key (it checks every map for unique keys),
 * while the `yaml` package would merge both.
 */
import { isScalar, parse, parseDocument, visit, type Document, type Node } from "yaml";

/** The options every stack-file read uses: Pulumi's merge keys, and a key at most once per map. */
export const STACK_YAML_OPTIONS = { merge: true, uniqueKeys: true } as const;

/** Parses a stack file's YAML as Pulumi reads it (merges applied). Throws on what YAML cannot read. */
export function parseStackYaml(text: string): unknown {
  return parse(text, STACK_YAML_OPTIONS);
}

/**
 * The `config:` map of a parsed stack file with every key in its namespace, as Pulumi reads it: a key without one is
 * the project's (`hubs` is `dps-x509:hubs`; pkg/workspace, stackConfigNamespacedWithProject).
 */
export function namespacedConfig(document: unknown, project: string): Record<string, unknown> {
  const config = (document as { config?: unknown } | null)?.config;
  if (config === null || typeof config !== "object" || Array.isArray(config)) return {};
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key.includes(":") || key === "" ? key : `${project}:${key}`, value]));
}

/** The document, for readers that need positions (cli/plan/stackFile.ts). */
export function parseStackYamlDocument(text: string): Document.Parsed {
  return parseDocument(text, STACK_YAML_OPTIONS);
}

export interface MergeKeyProblem {
  /** 1-based line of the offending key. */
  line: number;
  message: string;
}

/** The merge key: a plain `<<` (with merges on, the parser gives it a symbol as value; a quoted "<<" is a string). */
function isMergeKey(node: unknown): boolean {
  return isScalar(node) && typeof node.value === "symbol";
}

/** Merge keys Pulumi would refuse, with the line and what to write instead. */
export function mergeKeyProblems(doc: Document.Parsed, text: string): MergeKeyProblem[] {
  const problems: MergeKeyProblem[] = [];
  const lineOf = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    return offset === undefined ? 0 : text.slice(0, offset).split("\n").length;
  };
  visit(doc, {
    Map(_key, map) {
      const merges = map.items.filter((pair) => isMergeKey(pair.key));
      for (const repeat of merges.slice(1)) {
        problems.push({ line: lineOf(repeat.key as Node), message: `a second merge key "<<" in one map: Pulumi's YAML reader refuses a repeated key; merge several maps with one list, \`<<: [*first, *second]\` (the earlier map wins)` });
      }
    },
  });
  return problems;
}
