import assert from "node:assert/strict"
import { test } from "node:test"
import { parse, stringify } from "yaml"
import { firstYamlDocument, GO_YAML, GO_YAML_OUTPUT, goYamlError, goYamlKeyOrder } from "./go-yaml.ts"

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

test("goYamlKeyOrder sorts keys as go-yaml v2 writes them", () => {
  const sorted = (keys: string[]) => [...keys].sort(goYamlKeyOrder)
  // Runs of digits by value; a non-letter before a letter, unless digits came before.
  assert.deepEqual(sorted(["a10", "a9", "x_y", "xY", "1a", "10"]), ["1a", "10", "a9", "a10", "x_y", "xY"])
  // A difference at a zero inside a run keeps the run's magnitude; equal values, the shorter first.
  assert.deepEqual(sorted(["100", "19"]), ["19", "100"])
  assert.deepEqual(sorted(["a01", "a1"]), ["a1", "a01"])
  // Letters by code point (upper case first), a non-letter before them, a prefix first.
  assert.deepEqual(sorted(["a", "_", "Z", "app.kubernetes.io/name", "app"]), [
    "_",
    "Z",
    "a",
    "app",
    "app.kubernetes.io/name",
  ])
  assert.deepEqual(sorted(["é", "z"]), ["z", "é"])
  assert.equal(goYamlKeyOrder("same", "same"), 0)
})

test("GO_YAML_OUTPUT quotes what go-yaml v2 would read back as something other than a string", () => {
  const written = (s: string) => stringify({ k: s }, { ...GO_YAML_OUTPUT, lineWidth: 0 }).slice(3, -1)
  for (const s of [
    "yes",
    "On",
    "n",
    "<<",
    "0644",
    "08",
    "1_000",
    "0X1F",
    "0O17",
    "0b101",
    "-0b1",
    "+1",
    "1e3",
  ])
    assert.equal(written(s), `"${s}"`, s)
  for (const s of [".5", "1.", "2024-01-02", "2024-1-2T3:04:05.5Z", "2024-01-02t03:04:05+01:00"])
    assert.equal(written(s), `"${s}"`, s)
  for (const s of ["2024-01-02 03:04:05", "1:20", "-1:30.5", "true", "null", "~", ".inf", "-.Inf", ".nan"])
    assert.equal(written(s), `"${s}"`, s)
  // Strings that cannot be plain for YAML's syntax alone are single-quoted, as libyaml writes them.
  for (const s of ["*", "*foo", "- x", "a: b", "#x", " x", '{"a":1}', 'say "hi": x'])
    assert.equal(written(s), `'${s}'`, s)
  // Their `'` doubled, single quotes being libyaml's choice whatever the string holds...
  for (const [s, yaml] of [
    ["'start", "'''start'"],
    ["it's: x", "'it''s: x'"],
    ["'", "''''"],
    ["*'", "'*'''"],
    ["it's ", "'it''s '"],
  ])
    assert.equal(written(s as string), yaml, s)
  // ...unless a character may not be in single quotes (a tab): then double quotes.
  assert.equal(written("it's\ta: b"), '"it\'s\\ta: b"')
  // A character go-yaml's is_printable refuses: double quotes, escaped as libyaml escapes it
  // (what would be plain, or a block, with none of them).
  for (const [s, yaml] of [
    ["a\tb", '"a\\tb"'],
    ["a\nb\tc", '"a\\nb\\tc"'],
    ["a\rb", '"a\\rb"'],
    ["x\u0085y", '"x\\Ny"'],
    ["line\u2028sep\tx", '"line\\Lsep\\tx"'],
    ["a\uFEFFbom", '"a\\uFEFFbom"'],
    // go-yaml's is_bom looks at the string's start, not the character's: all of it escaped.
    ["\uFEFFbom é\n", '"\\uFEFF\\x62\\x6F\\x6D\\x20\\xE9\\n"'],
    ["del\x7F", '"del\\x7F"'],
    ["nul\0bell\x07esc\x1B", '"nul\\0bell\\aesc\\e"'],
    ["\u{1F600} smile", '"\\U0001F600 smile"'],
    ['say "hi"\t\\', '"say \\"hi\\"\\t\\\\"'],
    ["\uFFFE", '"\\uFFFE"'],
  ])
    assert.equal(written(s as string), yaml, JSON.stringify(s))
  // U+2028 and U+2029 are line breaks to libyaml: single quotes, the indentation after each run of
  // breaks followed by more text (here 2: a top-level key's value), as kubectl's go-yaml writes
  // them; a space next to one, double quotes.
  for (const [s, yaml] of [
    ["a\u2028b", "'a\u2028  b'"],
    ["a\u2028\u2028b", "'a\u2028\u2028  b'"],
    ["ab\u2028cd\u2029ef", "'ab\u2028  cd\u2029  ef'"],
    ["\u2028x", "'\u2028  x'"],
    ["x\u2029", "'x\u2029'"],
    ["\u2028", "'\u2028'"],
    ["it's\u2028x: y", "'it''s\u2028  x: y'"],
    ["a \u2028b", '"a \\Lb"'],
    ["a\u2028 b", '"a\\L b"'],
  ])
    assert.equal(written(s as string), yaml, JSON.stringify(s))
  // Deeper, the indentation is deeper (a mapping's value at depth 1, a sequence's item).
  assert.equal(
    stringify({ m: { x: "a\u2028b" }, l: ["p\u2029q"] }, { ...GO_YAML_OUTPUT, indentSeq: false }),
    "m:\n  x: 'a\u2028    b'\nl:\n- 'p\u2029  q'\n",
  )
  // Printable characters beyond ASCII stay as they are.
  assert.equal(written("héllo wörld ünïcode 中文"), "héllo wörld ünïcode 中文")
  // A key too.
  assert.equal(stringify({ "t\tk": 1 }, GO_YAML_OUTPUT), '"t\\tk": 1\n')
  // A `'` inside a string that can be plain needs no quotes.
  assert.equal(written("a'b"), "a'b")
  // Strings go-yaml reads as strings stay plain.
  for (const s of [
    ".",
    "v1",
    "10.0.0.1",
    "1.2.3",
    "e5",
    "_1",
    "2024-13-02",
    "0x",
    "0o7a",
    "Yes please",
    "+",
    "ok",
  ])
    assert.equal(written(s), s, s)
})
