// Checks accord's generated OpenAPI document:
//
//   node validate.mjs OPENAPI.json SAMPLES.ndjson
//
// 1. It is a valid OpenAPI 3.1 document, every $ref resolving
//    (@seriousme/openapi-schema-validator, against the OpenAPI Initiative's
//    3.1 schema).
// 2. Every schema in it is a valid JSON Schema 2020-12 that Ajv compiles in
//    strict mode: the 3.1 schema above leaves schema objects unchecked.
// 3. The schemas say what the server prints: each sample (a message as the
//    HTTP door prints it, "FULL_NAME<TAB>JSON" a line, from print_openapi
//    --samples) is valid against its message's schema closed to other
//    properties, and every property of every message schema shows up in some
//    sample.
//
// Prints "openapi: valid OpenAPI 3.1 ..." and exits 0, or says what failed
// and exits 1.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

function fail(message) {
  console.error(`openapi: ${message}`);
  process.exit(1);
}

const [documentFile, samplesFile] = process.argv.slice(2);
if (!documentFile || !samplesFile) {
  console.error("usage: node validate.mjs OPENAPI.json SAMPLES.ndjson");
  process.exit(2);
}

// 1. The OpenAPI 3.1 schema, and $refs.
const validator = new Validator();
const result = await validator.validate(documentFile);
if (!result.valid) {
  fail(`not a valid OpenAPI document:\n${JSON.stringify(result.errors, null, 2)}`);
}
if (validator.version !== "3.1") fail(`OpenAPI ${validator.version}, not 3.1`);
const document = validator.specification;

// 2. Every schema compiles. References to components become references into
// one schema resource whose $defs are the components.
const refPrefix = "#/components/schemas/";
const resource = "urn:accord:openapi";
function retarget(value) {
  if (Array.isArray(value)) return value.map(retarget);
  if (value === null || typeof value !== "object") return value;
  const copy = {};
  for (const [key, member] of Object.entries(value)) {
    copy[key] =
      key === "$ref" && member.startsWith(refPrefix)
        ? `${resource}#/$defs/${member.slice(refPrefix.length)}`
        : retarget(member);
  }
  return copy;
}
const components = document.components?.schemas ?? {};

// The formats the generator uses beyond JSON Schema's own, checked.
function integerIn(min, max) {
  return (value) => {
    if (typeof value === "number" && !Number.isInteger(value)) return false;
    try {
      const n = BigInt(value);
      return n >= min && n <= max;
    } catch {
      return false;
    }
  };
}
function newAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("int32", { type: "number", validate: integerIn(-(2n ** 31n), 2n ** 31n - 1n) });
  ajv.addFormat("uint32", { type: "number", validate: integerIn(0n, 2n ** 32n - 1n) });
  // 64-bit integers are strings in bodies (parameters are integers, their
  // range said by minimum and the description).
  ajv.addFormat("int64", { type: "string", validate: integerIn(-(2n ** 63n), 2n ** 63n - 1n) });
  ajv.addFormat("uint64", { type: "string", validate: integerIn(0n, 2n ** 64n - 1n) });
  ajv.addFormat("double", { type: "number", validate: () => true });
  ajv.addFormat("float", { type: "number", validate: () => true });
  return ajv;
}

const ajv = newAjv();
try {
  ajv.addSchema({ $id: resource, $defs: retarget(components) });
  for (const name of Object.keys(components)) ajv.getSchema(`${resource}#/$defs/${name}`);
} catch (error) {
  fail(`components.schemas do not compile: ${error.message}`);
}
let inlineSchemas = 0;
function compileInline(value, where) {
  if (Array.isArray(value)) return value.forEach((v, i) => compileInline(v, `${where}/${i}`));
  if (value === null || typeof value !== "object") return;
  for (const [key, member] of Object.entries(value)) {
    if (key === "schema") {
      try {
        ajv.compile(retarget(member));
        inlineSchemas++;
      } catch (error) {
        fail(`the schema at ${where}/schema does not compile: ${error.message}`);
      }
    } else {
      compileInline(member, `${where}/${key}`);
    }
  }
}
compileInline(document.paths, "#/paths");

// 3. The samples against their schemas, each message schema closed to
// properties it does not name.
const closed = retarget(components);
for (const schema of Object.values(closed)) {
  if (schema.type === "object" && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
}
const strictAjv = newAjv();
strictAjv.addSchema({ $id: resource, $defs: closed });
const shown = new Map();  // message name -> the properties its samples showed
let samples = 0;
for (const line of readFileSync(samplesFile, "utf8").split("\n")) {
  if (line === "") continue;
  const tab = line.indexOf("\t");
  const name = line.slice(0, tab);
  if (!(name in components)) continue;  // a message no route reaches
  const json = JSON.parse(line.slice(tab + 1));
  const validate = strictAjv.getSchema(`${resource}#/$defs/${name}`);
  if (!validate(json)) {
    fail(`${name} as the server prints it, ${line.slice(tab + 1)}, is not valid against its ` +
         `schema:\n${JSON.stringify(validate.errors, null, 2)}`);
  }
  samples++;
  const properties = shown.get(name) ?? new Set();
  for (const key of Object.keys(json)) properties.add(key);
  shown.set(name, properties);
}
for (const [name, schema] of Object.entries(components)) {
  if (schema.type !== "object") continue;  // enums: checked through the messages that hold them
  if (!shown.has(name)) fail(`no sample of ${name}: print_openapi --samples should print one`);
  for (const property of Object.keys(schema.properties ?? {})) {
    if (!shown.get(name).has(property)) {
      fail(`${name}.${property} is in the schema, but the server never prints it`);
    }
  }
}

const paths = Object.keys(document.paths ?? {}).length;
console.log(
  `openapi: valid OpenAPI ${validator.version} (${paths} paths, ` +
    `${Object.keys(components).length} schemas and ${inlineSchemas} inline ones compiled, ` +
    `${samples} printed messages valid against their schemas)`);
