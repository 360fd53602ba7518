import assert from "node:assert/strict"
import { test } from "node:test"
import { baseEnvironment } from "./environment.ts"

const cases: { name: string; input: string; want: unknown }[] = [
  { name: "isSemver() accepts a full version", input: 'isSemver("1.2.3-rc.1+build.5")', want: true },
  { name: "isSemver() refuses a short one", input: 'isSemver("1.2")', want: false },
  { name: "isSemver() refuses leading zeros", input: 'isSemver("01.2.3")', want: false },
  { name: "isSemver(s, true) normalizes first", input: 'isSemver("v1.02", true)', want: true },
  {
    name: "isSemver(s, true) refuses prerelease on a short version",
    input: 'isSemver("1.2-rc", true)',
    want: false,
  },
  { name: "major, minor and patch", input: 'semver("3.4.5").minor()', want: 4n },
  { name: "normalized parts", input: 'semver("v1.02", true).patch()', want: 0n },
  {
    name: "a release ranks above its prerelease",
    input: 'semver("1.0.0").isGreaterThan(semver("1.0.0-alpha"))',
    want: true,
  },
  {
    name: "numeric prerelease parts rank below alphanumeric ones",
    input: 'semver("1.0.0-1").compareTo(semver("1.0.0-alpha"))',
    want: -1n,
  },
  { name: "build metadata does not count", input: 'semver("1.0.0+a") == semver("1.0.0+b")', want: true },
  { name: "isLessThan", input: 'semver("1.9.0").isLessThan(semver("1.10.0"))', want: true },
]

for (const c of cases) {
  test(`semver library: ${c.name}`, () => {
    const env = baseEnvironment().clone()
    assert.equal(env.evaluate(c.input), c.want)
  })
}

test("semver library: semver() of an invalid version is an evaluation error", () => {
  assert.throws(
    () => baseEnvironment().clone().evaluate('semver("1.2")'),
    /No Major.Minor.Patch elements found/,
  )
})
