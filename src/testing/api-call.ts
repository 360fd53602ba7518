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
