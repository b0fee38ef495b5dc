/**
 * Source paths into raw records: `properties.email`, `addresses[0].city`, `Account.Name`,
 * `fields["Display Name"]`. Parsed once at compile time into segments; reading a path only ever
 * follows own properties, and the segments `__proto__`, `constructor` and `prototype` are refused,
 * so a path can never reach an object's prototype.
 */
export type PathSegment = string | number;
export type ParsedPath = { ok: true; segments: PathSegment[] } | { ok: false; message: string };

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
export const MAX_PATH_LENGTH = 300;
const MAX_SEGMENTS = 32;

export function parsePath(path: string): ParsedPath {
  if (typeof path !== "string" || path.length === 0) return { ok: false, message: "The path is empty." };
  if (path.length > MAX_PATH_LENGTH) return { ok: false, message: `The path is longer than ${MAX_PATH_LENGTH} characters.` };
  const segments: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  let expectName = true;
  while (i < n) {
    const c = path[i]!;
    if (c === "[") {
      const close = path.indexOf("]", i);
      if (close < 0) return { ok: false, message: `Unclosed "[" at position ${i + 1}.` };
      const inner = path.slice(i + 1, close).trim();
      if (/^\d{1,9}$/.test(inner)) segments.push(Number(inner));
      else if (inner.length >= 2 && (inner[0] === '"' || inner[0] === "'") && inner[inner.length - 1] === inner[0]) {
        const key = inner.slice(1, -1);
        if (key.includes('"') || key.includes("'")) return { ok: false, message: "Quoted keys cannot contain quotes." };
        segments.push(key);
      } else return { ok: false, message: `"[${inner}]" is not an array index or a quoted key.` };
      i = close + 1;
      expectName = false;
      continue;
    }
    if (c === ".") {
      if (expectName && segments.length > 0) return { ok: false, message: `Empty segment at position ${i + 1}.` };
      if (i === 0) return { ok: false, message: "A path cannot start with a dot." };
      i++;
      expectName = true;
      if (i >= n) return { ok: false, message: "A path cannot end with a dot." };
      continue;
    }
    if (!expectName) return { ok: false, message: `Expected "." or "[" at position ${i + 1}.` };
    let j = i;
    while (j < n && path[j] !== "." && path[j] !== "[") j++;
    const name = path.slice(i, j);
    if (!IDENT.test(name)) return { ok: false, message: `"${name}" is not a valid field name; use ["${name}"] for unusual keys.` };
    segments.push(name);
    i = j;
    expectName = false;
  }
  if (segments.length === 0) return { ok: false, message: "The path is empty." };
  if (segments.length > MAX_SEGMENTS) return { ok: false, message: `The path has more than ${MAX_SEGMENTS} segments.` };
  for (const s of segments) if (typeof s === "string" && FORBIDDEN.has(s)) return { ok: false, message: `"${s}" cannot be used in a path.` };
  return { ok: true, segments };
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A reader for pre-parsed segments. Missing anything along the way gives undefined. */
export function compileGetter(segments: PathSegment[]): (root: unknown) => unknown {
  if (segments.length === 1) {
    const s0 = segments[0]!;
    return (root) => step(root, s0);
  }
  if (segments.length === 2) {
    const s0 = segments[0]!;
    const s1 = segments[1]!;
    return (root) => step(step(root, s0), s1);
  }
  const segs = segments.slice();
  const len = segs.length;
  return (root) => {
    let cur = root;
    for (let k = 0; k < len && cur !== undefined; k++) cur = step(cur, segs[k]!);
    return cur;
  };
}

function step(cur: unknown, seg: PathSegment): unknown {
  if (cur === null || typeof cur !== "object") return undefined;
  if (typeof seg === "number") return Array.isArray(cur) ? cur[seg] : hasOwn.call(cur, String(seg)) ? (cur as Record<string, unknown>)[String(seg)] : undefined;
  if (Array.isArray(cur)) return undefined;
  return hasOwn.call(cur, seg) ? (cur as Record<string, unknown>)[seg] : undefined;
}

/** Format segments back into the path syntax (used by discovery). */
export function formatPath(segments: PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (IDENT.test(s)) out += out.length === 0 ? s : `.${s}`;
    else out += `["${s.replace(/["']/g, "")}"]`;
  }
  return out;
}

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN.has(key);
}
