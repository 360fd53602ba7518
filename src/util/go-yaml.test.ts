import assert from "node:assert/strict"
import { test } from "node:test"
import { parse } from "yaml"
import { firstYamlDocument, GO_YAML, goYamlError } from "./go-yaml.ts"

test("plain scalars resolve as go-yaml v2 resolves them", () => {
  const cases: [text: string, value: unknown][] = [
    ["yes", true],
    ["Y", true],
    ["On", true],
    ["TRUE", true],
    ["no", false],
    ["n", false],
    ["OFF", false],
    ["~", null],
    ["0644", 420],
    ["-0644", -420],
    ["0o17", 15],
    ["0x1F", 31],
    ["0b101", 5],
    ["1_000", 1000],
    ["012345678901", 12345678901],
    ["1.5e3", 1500],
    // No sexagesimal numbers and no timestamps: as written.
    ["1:20", "1:20"],
    ["190:20:30.15", "190:20:30.15"],
    ["2001-12-14", "2001-12-14"],
    ["2001-12-14T21:59:43.10-05:00", "2001-12-14T21:59:43.10-05:00"],
    // Quoted scalars are strings whatever they spell.
    ['"yes"', "yes"],
    ["'0644'", "0644"],
  ]
  for (const [text, value] of cases) assert.deepEqual(parse(`v: ${text}`, GO_YAML), { v: value }, text)
  // Keys too: a boolean key is named as JSON names it.
  assert.deepEqual(parse("yes: 1\n0644: 2\n", GO_YAML), { true: 1, "420": 2 })
  // Merge keys, which go-yaml reads.
  assert.deepEqual(parse("a: &x {k: 1}\nb: {<<: *x, j: 2}\n", GO_YAML), { a: { k: 1 }, b: { k: 1, j: 2 } })
})

test("syntax errors in go-yaml's words where the fault is the same, else the library's", () => {
  const word = (text: string) => {
    try {
      parse(text, GO_YAML)
    } catch (err) {
      return goYamlError(err)
    }
    assert.fail(`parsed: ${text}`)
  }
  assert.equal(word("a: b: c\n"), "yaml: line 1: mapping values are not allowed in this context")
  assert.equal(word("a:\n\tb: c\n"), "yaml: line 2: found character that cannot start any token")
  assert.equal(word("a: @x\n"), "yaml: line 1: found character that cannot start any token")
  assert.equal(word("key\nother: 1\n"), "yaml: line 1: could not find expected ':'")
  assert.equal(word("a: 'x\n"), "yaml: line 2: found unexpected end of stream")
  // No counterpart known: the library's own message, without its excerpt of the text.
  assert.equal(word("a:\n  - b\n c: d\n"), "yaml: line 3: all mapping items must start at the same column")
  const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${"*a, ".repeat(10)}]\nc: [${"*b, ".repeat(10)}]\n`
  assert.equal(word(bomb), "yaml: document contains excessive aliasing")
})

test("a text of several documents is its first, as go-yaml's Unmarshal reads it", () => {
  const first = (text: string) => {
    const doc = firstYamlDocument(text, GO_YAML)
    return { value: doc.toJS(GO_YAML) as unknown, errors: doc.errors.map((e) => e.code) }
  }
  assert.deepEqual(first("a: yes\n---\nb: [\n"), { value: { a: true }, errors: [] })
  assert.deepEqual(first("---\na: 1\n"), { value: { a: 1 }, errors: [] })
  assert.deepEqual(first(""), { value: null, errors: [] })
  assert.deepEqual(first("# a comment\n"), { value: null, errors: [] })
  assert.deepEqual(first("a: [\n---\nb: 1\n").errors, ["BAD_INDENT"])
})
