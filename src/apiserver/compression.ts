/**
 * Response compression, as upstream's API server does it (KEP-2338, the APIResponseCompression
 * feature, on by default since 1.16): a complete response larger than 128 KiB goes gzip-encoded,
 * at level 1 (upstream's since 1.26: the least CPU for nearly the same size), to a client whose
 * Accept-Encoding names gzip. Go clients (kubectl, helm, client-go) send it and decode the answer
 * without being asked; a large list then crosses a slow network in a fraction of the bytes.
 * Streamed responses (watches, logs, proxied bodies) pass as they are, as upstream's do.
 */
import { createGzip } from "node:zlib"
import type { ApiResponse } from "./http.ts"

/** Upstream's defaultGzipThresholdBytes: smaller answers cost more to compress than they save. */
const THRESHOLD_BYTES = 128 * 1024
/** Upstream's defaultGzipContentEncodingLevel. */
const LEVEL = 1

/**
 * Whether an Accept-Encoding header names gzip: one of its comma-separated tokens is exactly
 * `gzip`, as upstream reads it (a token with parameters, `gzip;q=1`, is not).
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return !!acceptEncoding && acceptEncoding.split(",").some((token) => token.trim() === "gzip")
}

/**
 * `r` gzip-encoded when the client accepts it and it is a complete body past the threshold: the
 * compressed bytes then stream out as zlib makes them (off the event loop, in libuv's threads),
 * with chunked framing, as upstream's have no length either.
 */
export function compressed(r: ApiResponse, acceptEncoding: string | undefined): ApiResponse {
  if (r.stream || r.objects || r.upgrade || !acceptsGzip(acceptEncoding)) return r
  const parts = r.chunks ?? [r.body ?? ""]
  let size = 0
  for (const p of parts) size += typeof p === "string" ? Buffer.byteLength(p) : p.length
  if (size <= THRESHOLD_BYTES) return r
  const gzip = createGzip({ level: LEVEL })
  for (const p of parts) gzip.write(p)
  gzip.end()
  const headers: Record<string, string> = { ...r.headers, "content-encoding": "gzip" }
  delete headers["content-length"]
  headers.vary = headers.vary ? `${headers.vary}, Accept-Encoding` : "Accept-Encoding"
  return { status: r.status, headers, stream: gzip }
}
