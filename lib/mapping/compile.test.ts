import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkDefinition, compileMapping } from "./compile";
import { dateFormats, fieldTypes, mappingSchema, type MappingDefinitionInput } from "./schema";
import { getBuiltinTarget } from "./targets";

const contact = getBuiltinTarget("contact")!;

function compile(def: MappingDefinitionInput, target = contact) {
  return compileMapping(mappingSchema.parse(def), target);
}

const base: MappingDefinitionInput = {
  targetSchema: "contact",
  rules: [
    { id: "1", source: "id", target: "externalId", type: "string", required: true },
    { id: "2", source: "properties.email", target: "email", type: "email", transforms: [{ op: "trim" }, { op: "lower" }] },
    { id: "3", source: "properties.createdate", target: "createdAt", type: "date" },
    { id: "4", source: "archived", target: "archived", type: "boolean", default: false },
  ],
};

describe("compileMapping", () => {
  it("maps a record and coerces types", () => {
    const apply = compile(base);
    const r = apply({ id: 42, properties: { email: " Ada@Example.com ", createdate: "2024-01-02T03:04:05Z" } });
    expect(r.errors).toEqual([]);
    expect(r.mapped).toEqual({ externalId: "42", email: "ada@example.com", createdAt: "2024-01-02T03:04:05.000Z", archived: false });
  });

  it("flags a required field that is missing and keeps the rest", () => {
    const r = compile(base)({ properties: { email: "x@y.co" } });
    expect(r.mapped.email).toBe("x@y.co");
    expect(r.mapped.externalId).toBeNull();
    expect(r.errors).toEqual([{ field: "externalId", path: "id", message: "Required, but id is empty or missing." }]);
  });

  it("applies defaults to empty values, coerced to the rule's type", () => {
    const apply = compile({ targetSchema: "contact", rules: [{ id: "1", source: "id", target: "externalId", type: "string" }, { id: "2", source: "n", target: "lifecycleStage", type: "string", default: 7 }] });
    expect(apply({ id: "a", n: "" }).mapped).toEqual({ externalId: "a", lifecycleStage: "7" });
    expect(apply({ id: "a", n: "lead" }).mapped.lifecycleStage).toBe("lead");
  });

  it("reports target fields that are required but not mapped, on every record", () => {
    const apply = compile({ targetSchema: "contact", rules: [{ id: "2", source: "e", target: "email", type: "email" }] });
    expect(apply({ e: "a@b.co" }).errors).toEqual([{ field: "externalId", message: "Required, but no rule maps this field." }]);
  });

  it("collects type, transform and validation errors per field", () => {
    const apply = compile({
      targetSchema: "contact",
      rules: [
        { id: "1", source: "id", target: "externalId", type: "string", validations: [{ kind: "length", min: 3 }] },
        { id: "2", source: "mail", target: "email", type: "email" },
        { id: "3", source: "created", target: "createdAt", type: "date", transforms: [{ op: "parseDate", format: "dd/MM/yyyy" }] },
        { id: "4", source: "phone", target: "phone", type: "string", validations: [{ kind: "regex", pattern: "^\\+?[0-9 ]+$", message: "Digits only." }] },
      ],
    });
    const r = apply({ id: "ab", mail: "not-an-email", created: "2024-01-02", phone: "call me" });
    expect(r.errors.map((e) => e.field)).toEqual(["externalId", "email", "createdAt", "phone"]);
    expect(r.errors[1]!.message).toMatch(/not an email/);
    expect(r.errors[2]!.message).toMatch(/dd\/MM\/yyyy/);
    expect(r.errors[3]!.message).toBe("Digits only.");
    // A value that fails a check is kept (flagged); one that cannot be converted is null.
    expect(r.mapped).toMatchObject({ externalId: "ab", email: null, createdAt: null, phone: "call me" });
  });

  it("checks enum fields against the target's values", () => {
    const target = { key: "ticket", name: "Ticket", fields: [{ name: "priority", type: "enum" as const, required: false, values: ["low", "high"] }] };
    const apply = compileMapping(mappingSchema.parse({ targetSchema: "ticket", rules: [{ id: "1", source: "p", target: "priority", type: "enum", transforms: [{ op: "lookup", table: { P1: "high" } }] }] }), target);
    expect(apply({ p: "P1" })).toEqual({ mapped: { priority: "high" }, errors: [] });
    expect(apply({ p: "P9" }).errors[0]!.message).toMatch(/not one of low, high/);
  });

  it("reports a rule that cannot compile on each record instead of throwing", () => {
    const def = mappingSchema.parse(base);
    def.rules[1]!.transforms = [{ op: "replace", pattern: "(a+)+", flags: "", replacement: "", all: true }];
    const r = compileMapping(def, contact)({ id: "1", properties: { email: "a@b.co" } });
    expect(r.errors).toEqual([{ field: "email", path: "properties.email", message: expect.stringMatching(/cannot run.*Nested repetition/) }]);
    expect(r.mapped.externalId).toBe("1");
  });

  it("never writes to the output's prototype", () => {
    const apply = compile(base);
    const r = apply(JSON.parse('{"id":"1","__proto__":{"polluted":true},"properties":{"__proto__":{"email":"x@y.co"}}}'));
    expect(Object.getPrototypeOf(r.mapped)).toBe(Object.prototype);
    expect(r.mapped.email).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("checkDefinition finds problems the editor shows on fields", () => {
    const def = mappingSchema.parse({
      targetSchema: "contact",
      rules: [
        { id: "1", source: "id", target: "nope", type: "string" },
        { id: "2", source: "a", target: "createdAt", type: "number", validations: [{ kind: "min", value: 1 }] },
        { id: "3", source: "b", target: "email", type: "email", default: "not-mail", validations: [{ kind: "min", value: 1 }] },
      ],
    });
    const issues = checkDefinition(def, contact);
    expect(issues.map((i) => i.path.join("."))).toEqual(["rules.0.target", "rules.1.type", "rules.2.default", "rules.2.validations.0"]);
    expect(mappingSchema.safeParse({ targetSchema: "contact", rules: [base.rules[0], { ...base.rules[0], id: "x" }] }).error?.issues[0]?.path).toEqual(["rules", 1, "target"]);
  });
});

// Arbitrary JSON records and arbitrary valid definitions: the compiled mapping never throws.
const jsonValue = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<unknown>;
const keys = fc.constantFrom("id", "email", "name", "a", "b", "n", "d", "__proto__", "constructor", "0");
const pathKeys = fc.constantFrom("id", "email", "name", "a", "b", "n", "d", "x");
const pathArb = fc.array(fc.oneof(pathKeys, fc.nat({ max: 3 }).map((n) => `[${n}]`)), { minLength: 1, maxLength: 4 }).map((parts) => parts.reduce((acc, p, i) => (p.startsWith("[") ? (i === 0 ? `x${p}` : acc + p) : i === 0 ? p : `${acc}.${p}`), ""));
const safePattern = fc.constantFrom("^a", "[0-9]+", "(\\w+)@(\\w+)", "x|y", "^$", ".*");
const transformArb = fc.oneof(
  fc.constantFrom({ op: "trim" }, { op: "lower" }, { op: "upper" }, { op: "parseNumber" }, { op: "parseNumber", decimal: "," }, { op: "parseBoolean" }),
  fc.record({ op: fc.constant("split"), separator: fc.constantFrom(",", ";", " ") }),
  fc.record({ op: fc.constant("join"), separator: fc.string({ maxLength: 3 }) }),
  fc.record({ op: fc.constant("concat"), paths: fc.array(pathArb, { minLength: 1, maxLength: 3 }), separator: fc.string({ maxLength: 2 }) }),
  fc.record({ op: fc.constant("coalesce"), paths: fc.array(pathArb, { minLength: 1, maxLength: 3 }) }),
  fc.record({ op: fc.constant("replace"), pattern: safePattern, replacement: fc.string({ maxLength: 5 }), all: fc.boolean() }),
  fc.record({ op: fc.constant("regexExtract"), pattern: safePattern, group: fc.nat({ max: 3 }) }),
  fc.record({ op: fc.constant("parseDate"), format: fc.constantFrom(...dateFormats) }),
  fc.record({ op: fc.constant("lookup"), table: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 5 }), caseInsensitive: fc.boolean(), onMissing: fc.constantFrom("keep", "null", "error") }),
  fc.record({ op: fc.constant("template"), template: fc.constantFrom("{{a}} {{b}}", "x{{value}}y", "{{id}}", "plain") }),
);
const validationArb = fc.oneof(
  fc.record({ kind: fc.constant("regex"), pattern: safePattern }),
  fc.record({ kind: fc.constant("min"), value: fc.integer() }),
  fc.record({ kind: fc.constant("max"), value: fc.integer() }),
  fc.record({ kind: fc.constant("length"), min: fc.nat({ max: 5 }), max: fc.nat({ max: 50 }) }),
  fc.record({ kind: fc.constant("enum"), values: fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 3 }) }),
  fc.constantFrom({ kind: "email" }, { kind: "url" }),
);
const targets = ["externalId", "email", "firstName", "lastName", "phone", "createdAt", "archived", "city", "country", "custom"];
const ruleArb = fc.record({
  source: pathArb,
  type: fc.constantFrom(...fieldTypes),
  required: fc.boolean(),
  default: fc.option(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean()), { nil: undefined }),
  transforms: fc.array(transformArb, { maxLength: 4 }),
  validations: fc.array(validationArb, { maxLength: 3 }),
});
const defArb = fc.uniqueArray(fc.constantFrom(...targets), { maxLength: targets.length }).chain((names) =>
  fc.tuple(...names.map(() => ruleArb)).map((rs) => ({ targetSchema: "contact", rules: rs.map((r, i) => ({ ...r, id: `r${i}`, target: names[i]! })) })),
);
const recordArb = fc.oneof(
  jsonValue,
  fc.record({ id: jsonValue, email: jsonValue, a: jsonValue, b: jsonValue, n: fc.array(jsonValue, { maxLength: 3 }), d: fc.dictionary(keys, jsonValue) }, { requiredKeys: [] }),
);

describe("compileMapping properties", () => {
  it("arbitrary definitions applied to arbitrary records never throw, and errors name mapped fields", () => {
    fc.assert(
      fc.property(defArb, fc.array(recordArb, { maxLength: 5 }), (input, records) => {
        const parsed = mappingSchema.safeParse(input);
        expect(parsed.error?.issues).toBeUndefined();
        if (!parsed.success) return;
        const apply = compileMapping(parsed.data, contact);
        const fields = new Set([...parsed.data.rules.map((r) => r.target), "externalId", "*"]);
        for (const raw of records) {
          const r = apply(raw);
          expect(Array.isArray(r.errors)).toBe(true);
          for (const e of r.errors) {
            expect(fields.has(e.field)).toBe(true);
            expect(typeof e.message).toBe("string");
          }
          for (const rule of parsed.data.rules) expect(rule.target in r.mapped).toBe(true);
          // required and no value, no default → an error for that field
          for (const rule of parsed.data.rules) if (rule.required && r.mapped[rule.target] === null) expect(r.errors.some((e) => e.field === rule.target)).toBe(true);
          expect(() => JSON.stringify(r)).not.toThrow();
        }
      }),
      { numRuns: 400 },
    );
  });

  it("definitions with prototype paths are refused by the schema", () => {
    expect(mappingSchema.safeParse({ targetSchema: "x", rules: [{ id: "1", source: "a.__proto__", target: "a", type: "string" }] }).success).toBe(false);
    expect(mappingSchema.safeParse({ targetSchema: "x", rules: [{ id: "1", source: "a", target: "__proto__", type: "string" }] }).success).toBe(false);
  });

  it("a default is used whenever the value is empty", () => {
    fc.assert(
      fc.property(fc.constantFrom(undefined, null, ""), fc.string({ minLength: 1, maxLength: 10 }), (empty, dflt) => {
        const apply = compile({ targetSchema: "contact", rules: [{ id: "1", source: "v", target: "externalId", type: "string", required: true, default: dflt }] });
        const r = apply(empty === undefined ? {} : { v: empty });
        expect(r).toEqual({ mapped: { externalId: dflt }, errors: [] });
      }),
    );
  });
});
