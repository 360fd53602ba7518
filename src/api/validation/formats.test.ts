import assert from "node:assert/strict"
import { test } from "node:test"
import { isConfigMapKey, isEnvVarName, isValidPercent, isValidPortName, isValidPortNum } from "./formats.ts"

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "isValidPortNum() rejects 0",
    input: () => isValidPortNum(0),
    want: ["must be between 1 and 65535, inclusive"],
  },
  {
    name: "isValidPortNum() rejects 65536",
    input: () => isValidPortNum(65536),
    want: ["must be between 1 and 65535, inclusive"],
  },
  {
    name: "isValidPortName() rejects digits only",
    input: () => isValidPortName("8080"),
    want: ["must contain at least one letter (a-z)"],
  },
  {
    name: "isValidPortName() rejects upper case and double hyphens",
    input: () => isValidPortName("HTTP--x"),
    want: [
      "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
      "must not contain consecutive hyphens",
    ],
  },
  {
    name: "isValidPortName() rejects 16 characters",
    input: () => isValidPortName("a".repeat(16)),
    want: ["must be no more than 15 characters"],
  },
  { name: "isEnvVarName() accepts dots and dashes", input: () => isEnvVarName("my.env-NAME_1"), want: [] },
  {
    name: "isEnvVarName() rejects '='",
    input: () => isEnvVarName("A=B"),
    want: [
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    ],
  },
  { name: "isEnvVarName() accepts spaces and symbols", input: () => isEnvVarName(" ~!<>{}"), want: [] },
  {
    name: "isEnvVarName() rejects DEL, tabs and letters beyond ASCII",
    input: () => ["A\u007f", "A\tB", "\u00e9", "\ud83d\ude00"].flatMap((v) => isEnvVarName(v)),
    want: Array(4).fill(
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    ),
  },
  {
    name: "isEnvVarName() rejects an empty name",
    input: () => isEnvVarName(""),
    want: ["environment variable name must be non-empty"],
  },
  {
    name: "isConfigMapKey() rejects a slash",
    input: () => isConfigMapKey("a/b"),
    want: [
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ],
  },
  { name: "isConfigMapKey() rejects '..'", input: () => isConfigMapKey(".."), want: ["must not be '..'"] },
  {
    name: "isConfigMapKey() rejects a leading '..'",
    input: () => isConfigMapKey("..a"),
    want: ["must not start with '..'"],
  },
  {
    name: "isValidPercent() rejects a bare number",
    input: () => isValidPercent("25"),
    want: [
      "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}
