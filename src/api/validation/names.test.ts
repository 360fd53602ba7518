import assert from "node:assert/strict"
import { describe, test } from "node:test"
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  isPathSegmentName,
  isQualifiedName,
  labelValueErrors,
  nameIsDnsSubdomain,
  qualifiedNameErrors,
} from "./names.ts"

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "isDns1123Subdomain() accepts example.com",
    input: () => isDns1123Subdomain("example.com"),
    want: [],
  },
  {
    name: "isDns1123Subdomain() rejects upper case",
    input: () => isDns1123Subdomain("Web"),
    want: [SUBDOMAIN_MSG],
  },
  {
    name: "isDns1123Subdomain() rejects 254 characters",
    input: () => isDns1123Subdomain("a".repeat(254)),
    want: ["must be no more than 253 characters"],
  },
  { name: "isDns1123Label() accepts my-name", input: () => isDns1123Label("my-name"), want: [] },
  {
    name: "isDns1123Label() says dots are the problem",
    input: () => isDns1123Label("a.b"),
    want: ["must not contain dots"],
  },
  {
    name: "isDns1123Label() rejects a trailing dash",
    input: () => isDns1123Label("web-"),
    want: [LABEL_MSG],
  },
  {
    name: "isDns1123Label() rejects 64 characters",
    input: () => isDns1123Label("a".repeat(64)),
    want: ["must be no more than 63 characters"],
  },
  {
    name: "isDns1035Label() rejects a leading digit",
    input: () => isDns1035Label("1web"),
    want: [DNS1035_MSG],
  },
  {
    name: "isQualifiedName() accepts a prefixed key",
    input: () => isQualifiedName("example.com/MyName"),
    want: [],
  },
  {
    name: "isQualifiedName() rejects an empty prefix",
    input: () => isQualifiedName("/a"),
    want: ["prefix part must be non-empty"],
  },
  {
    name: "isQualifiedName() rejects a bad name part",
    input: () => isQualifiedName("app_"),
    want: [NAME_PART_MSG],
  },
  {
    name: "isQualifiedName() rejects two slashes",
    input: () => isQualifiedName("a/b/c"),
    want: [
      "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
  },
  {
    name: "isQualifiedName() reports a long name part in bytes",
    input: () => isQualifiedName("a".repeat(64)),
    want: ["name part must be no more than 63 bytes"],
  },
  { name: "isLabelValue() accepts an empty value", input: () => isLabelValue(""), want: [] },
  { name: "isLabelValue() rejects a space", input: () => isLabelValue("a b"), want: [LABEL_VALUE_MSG] },
  {
    name: "isPathSegmentName() rejects '..'",
    input: () => isPathSegmentName(".."),
    want: ["may not be '..'"],
  },
  {
    name: "isPathSegmentName() rejects '/' and '%'",
    input: () => isPathSegmentName("a/%"),
    want: ["may not contain '/'", "may not contain '%'"],
  },
  {
    name: "nameIsDnsSubdomain() lets a generateName end with '-'",
    input: () => nameIsDnsSubdomain("web-", true),
    want: [],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

describe("the quick answers for valid values agree with the full checks", () => {
  const checks: [string, (v: string) => string[], (v: string) => string[]][] = [
    ["isDns1123Label", isDns1123Label, dns1123LabelErrors],
    ["isDns1123Subdomain", isDns1123Subdomain, dns1123SubdomainErrors],
    ["isQualifiedName", isQualifiedName, qualifiedNameErrors],
    ["isLabelValue", isLabelValue, labelValueErrors],
  ]
  const fixed = [
    "",
    "a",
    "A",
    "-a",
    "a-",
    "a.b",
    "a/b",
    "/b",
    "a/",
    "a//b",
    "a/b/c",
    "example.com/My_Name.1",
    "Example.com/x",
    "é",
    "a\u00e9",
    "a\n",
    "x".repeat(63),
    "x".repeat(64),
    `${"a".repeat(253)}/x`,
    `${"a".repeat(254)}/x`,
    `a.b/${"x".repeat(63)}`,
    `a.b/${"x".repeat(64)}`,
    `${"a.".repeat(126)}a`,
    "\u65e5\u672c",
  ]
  let seed = 7
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed % n
  }
  const ALPHABET = "aZ09-_./é\u65e5 "
  const random = Array.from({ length: 3000 }, () => {
    const len = [1, 3, 8, 62, 63, 64, 70, 252, 253, 254, 260][rnd(11)] as number
    return Array.from({ length: len }, () => (rnd(10) < 7 ? "a" : ALPHABET[rnd(ALPHABET.length)])).join("")
  })
  for (const [name, quick, full] of checks) {
    test(name, () => {
      for (const v of [...fixed, ...random]) assert.deepEqual(quick(v), full(v), JSON.stringify(v))
    })
  }
})
