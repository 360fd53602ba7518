/**
 * One request to an in-process API server (its `fetch`), for apiserver tests: the body is sent
 * as JSON (a string as it is), the answer read as text and, when it is JSON, parsed.
 */

/** What api.fetch takes: the API server's Fetch-style entry point. */
export interface FetchesRequests {
  fetch(request: Request): Promise<Response>
}

/** The answer of apiCall: `json` is undefined when the body is not JSON. */
export interface ApiCallResult {
  readonly status: number
  /** Tests read any field they assert on. */
  readonly json: any
  readonly text: string
  readonly headers: Headers
}

/** Sends `method path` with `body` (JSON unless a string) and `headers` (content-type JSON unless given). */
export async function apiCall(
  api: FetchesRequests,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiCallResult> {
  const res = await api.fetch(
    new Request(`http://k8ts${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    }),
  )
  const text = await res.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

/** A watch event as read from the wire; tests read any field of the object they assert on. */
export interface WatchLine {
  readonly type: string
  readonly object: any
}

/** Opens the watch `path` (`?watch=true&...`) and reads its first `n` events (fewer if it ends), then closes it. */
export async function readWatchEvents(api: FetchesRequests, path: string, n: number): Promise<WatchLine[]> {
  return (await readWatch(api, path, n)).events
}

/** readWatchEvents with the answer's status (a refused watch's events are its error Status, if any). */
export async function readWatch(
  api: FetchesRequests,
  path: string,
  n: number,
): Promise<{ status: number; events: WatchLine[] }> {
  const ctl = new AbortController()
  const res = await api.fetch(new Request(`http://k8ts${path}`, { signal: ctl.signal }))
  const reader = res.body!.getReader()
  const dec = new TextDecoder()
  let buf = ""
  const events: WatchLine[] = []
  while (events.length < n) {
    const { value, done } = await reader.read()
    if (done) break
    buf += dec.decode(value, { stream: true })
    let i
    while ((i = buf.indexOf("\n")) >= 0) {
      events.push(JSON.parse(buf.slice(0, i)) as WatchLine)
      buf = buf.slice(i + 1)
    }
  }
  await reader.cancel()
  ctl.abort()
  return { status: res.status, events }
}
