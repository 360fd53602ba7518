/**
 * A resourceVersion a client sends, read as upstream's storage reads it: "" and "0" mean any,
 * anything else must be a uint64 (parsed as text: revisions past 2^53 keep every digit), and a
 * revision the watch cache has not reached is waited for up to 3 s.
 */
import { ApiError, badRequest, unknownReason } from "../api/index.ts"
import { goParseUint, goQuote } from "../util/index.ts"
import type { WatchCache } from "./watch-cache.ts"

/** How long a read waits for the watch cache to reach the revision it asks for (upstream's). */
const FRESH_WAIT_MS = 3000

/**
 * The revision `raw` names (0 for "" and "0"). A malformed one is the storage's InvalidError,
 * which reaches a get's or a watch's client as it is: 500 with no reason.
 */
export function parseResourceVersion(raw: string): bigint {
  if (raw === "" || raw === "0") return 0n
  const p = goParseUint(raw)
  if (p.error !== undefined)
    throw unknownReason(`resourceVersion: Invalid value: ${goQuote(raw)}: ${p.error}`)
  return p.value
}

/** parseResourceVersion for a list, which checks it first: a malformed one is a 400. */
export function listResourceVersion(raw: string): bigint {
  try {
    return parseResourceVersion(raw)
  } catch (err) {
    throw badRequest(`invalid resource version: ${(err as Error).message}`)
  }
}

/** The 504 of a read whose revision the watch cache did not reach in time. */
export function tooLargeResourceVersion(rv: bigint, current: number): ApiError {
  return new ApiError("Timeout", `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  })
}

/** Waits until the watch cache has reached `rv`; tooLargeResourceVersion if it does not in time. */
export async function waitFresh(cache: WatchCache, rv: bigint): Promise<void> {
  // A revision past 2^53 is past every real one: its nearest number waits (and fails) the same.
  if (rv > 0n && !(await cache.waitFor(Number(rv), FRESH_WAIT_MS)))
    throw tooLargeResourceVersion(rv, cache.revision)
}

/**
 * Whether the resourceVersion an update's object carries names no version: "" or one that parses
 * to 0 ("0", "00"), which upstream's versioner reads as 0, an unconditional update.
 */
export function namesNoRevision(given: string): boolean {
  const p = given === "" ? undefined : goParseUint(given)
  return !p || (p.error === undefined && p.value === 0n)
}

/**
 * Whether the resourceVersion an update's object carries is the stored object's, compared as
 * upstream's versioner compares them, as numbers ("007" is 7). A malformed one is the
 * versioner's bare strconv error, which reaches the client as a 500 with no reason.
 */
export function sameRevision(given: string, stored: string | undefined): boolean {
  const p = goParseUint(given)
  if (p.error !== undefined) throw unknownReason(p.error)
  return stored !== undefined && stored !== "" && p.value === BigInt(stored)
}
