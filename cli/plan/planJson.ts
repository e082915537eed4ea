/** The part of a plan's JSON the diff reads (`npm run plan -- --json`, any version). */
export interface PlanJson {
  resources: Array<{ type: string; name: string; urn?: string; parent?: string | null; dependsOn?: string[]; aliases?: string[]; inputs?: Record<string, unknown>; read?: boolean }>;
  outputs?: Record<string, unknown>;
}
