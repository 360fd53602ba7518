import assert from "node:assert/strict"
import { test } from "node:test"
import { hasWalResetFix } from "./_sqlite-wal-reset.ts"

test("the WAL-reset fix is in SQLite 3.51.3 and later, compared part by part", () => {
  for (const v of ["3.51.3", "3.51.4", "3.52.0", "3.53.2", "3.100.0", "4.0.0", "3.51.3.1"]) {
    assert.equal(hasWalResetFix(v), true, v)
  }
  for (const v of ["3.51.2", "3.51", "3.50.9", "3.9.9", "3.7.0", "2.99.99", "", "x.y.z"]) {
    assert.equal(hasWalResetFix(v), false, v)
  }
})
