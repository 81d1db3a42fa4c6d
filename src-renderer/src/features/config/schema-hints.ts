import { z } from 'zod';
import { configSchema } from '../../../../src-shared/config-schema';

/**
 * Constraints of each config.yml setting, read from the shared zod schema
 * (through its JSON Schema) so the form's hints can never drift from what
 * the server enforces.
 */

interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  required?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
}

// `io: 'output'` describes the parsed config (defaults applied); custom checks are left out, which is fine for hints.
const ROOT = z.toJSONSchema(configSchema, { io: 'output', unrepresentable: 'any' }) as JsonSchemaNode;

/** The schema node of a dotted path; `agents.*.x` reads the (one) agent kind. */
export function schemaAt(path: string): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = ROOT;
  for (const part of path.split('.')) {
    if (!node) return undefined;
    if (part === '*') {
      const ap: JsonSchemaNode | boolean | undefined = node.additionalProperties;
      node = typeof ap === 'object' ? (ap.oneOf?.[0] ?? ap) : undefined;
      continue;
    }
    const objectBranch: JsonSchemaNode | undefined = node.properties ? node : node.anyOf?.find((b) => b.properties);
    node = objectBranch?.properties?.[part];
  }
  return node;
}

/** Every leaf setting path of a section (`queue`, `workers`, `agents.*`), for the "every setting has a field" check. */
export function leafPaths(prefix: string): string[] {
  const node = schemaAt(prefix);
  if (!node?.properties) return [];
  return Object.entries(node.properties).flatMap(([key, child]) => {
    const path = `${prefix}.${key}`;
    return child.type === 'object' && child.properties ? leafPaths(path) : [path];
  });
}

const BIG = Number.MAX_SAFE_INTEGER;
const fmt = (n: number): string => n.toLocaleString('en-US');

/** The constraint of a setting in a few words: "integer 1–65535 · default 6379". */
export function constraintHint(path: string): string {
  const node = schemaAt(path);
  if (!node) return '';
  const parts: string[] = [];
  const kind = node.type === 'integer' ? 'integer' : node.type === 'number' ? 'number' : undefined;
  if (kind) {
    const min = node.minimum;
    const max = node.maximum !== undefined && node.maximum < BIG ? node.maximum : undefined;
    if (node.exclusiveMinimum !== undefined) parts.push(`${kind} > ${fmt(node.exclusiveMinimum)}`);
    else if (min !== undefined && max !== undefined) parts.push(`${kind} ${fmt(min)}–${fmt(max)}`);
    else if (min !== undefined) parts.push(`${kind} ≥ ${fmt(min)}`);
    else parts.push(kind);
  } else if (node.enum) {
    parts.push(`one of ${node.enum.map(String).join(', ')}`);
  } else if (node.type === 'array') {
    parts.push(node.minItems ? `list of at least ${node.minItems}` : 'list');
  }
  if (node.default !== undefined && typeof node.default !== 'object') {
    parts.push(`default ${typeof node.default === 'number' ? fmt(node.default) : String(node.default)}`);
  } else if (Array.isArray(node.default)) {
    parts.push(`default ${node.default.join(', ')}`);
  }
  return parts.join(' · ');
}

/** Whether the setting must be present (it has no default and is required), for agent fields. */
export function isRequired(path: string): boolean {
  const dot = path.lastIndexOf('.');
  const parent = schemaAt(path.slice(0, dot));
  return parent?.required?.includes(path.slice(dot + 1)) === true && schemaAt(path)?.default === undefined;
}
