/** Authentication: verified client certificates and bearer tokens (a static token file). */
import { readFileSync } from "node:fs"
import { ApiError } from "../api/index.ts"
import type { ApiRequest, UserInfo } from "./http.ts"
import { userOfSubject } from "./pki.ts"

/** Who a request without credentials is (upstream's anonymous authenticator's user). */
export const ANONYMOUS: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] }

/** Decides who sent a request; undefined means anonymous. */
export type Authenticator = (req: ApiRequest) => Promise<UserInfo | undefined>

/**
 * Parses a token file in upstream's `--token-auth-file` format: `token,user,uid,"group1,group2"`
 * per line (`#` comments and blank lines ignored).
 */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>()
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (!line || line.startsWith("#")) continue
    const cols = line.match(/("[^"]*"|[^,]+)/g)?.map((c) => c.replace(/^"|"$/g, "")) ?? []
    const [token, name, uid, groups] = cols
    if (!token || !name) continue
    out.set(token, {
      name,
      ...(uid ? { uid } : {}),
      groups: [...(groups ? groups.split(",") : []), "system:authenticated"],
    })
  }
  return out
}

/** Options of createAuthenticator. */
export interface AuthnOptions {
  /** Static bearer tokens. */
  readonly tokens?: ReadonlyMap<string, UserInfo>
  /** A token file to read the tokens from (re-read when it changes is not supported). */
  readonly tokenFile?: string
}

/** Client certificate first, then bearer token; an unknown token is 401. */
export function createAuthenticator(opts: AuthnOptions = {}): Authenticator {
  const tokens = new Map(opts.tokens ?? [])
  if (opts.tokenFile)
    for (const [t, u] of parseTokenFile(readFileSync(opts.tokenFile, "utf8"))) tokens.set(t, u)
  return async (req) => {
    if (req.clientCert) {
      const user = userOfSubject(req.clientCert)
      if (user) return user
    }
    const auth = req.header("authorization")
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth)
      const user = m ? tokens.get(m[1] as string) : undefined
      if (!user) throw new ApiError("Unauthorized", "Unauthorized")
      return user
    }
    return undefined
  }
}

/**
 * Tries each authenticator in turn (upstream's union): the first user wins; when none finds one,
 * the first refusal (e.g. Unauthorized for an unknown token) is thrown, else undefined.
 */
export function unionAuthenticators(...list: readonly (Authenticator | undefined)[]): Authenticator {
  const all = list.filter((a): a is Authenticator => a !== undefined)
  return async (req) => {
    let refusal: unknown
    for (const a of all) {
      try {
        const user = await a(req)
        if (user) return user
      } catch (err) {
        refusal ??= err
      }
    }
    if (refusal !== undefined) throw refusal
    return undefined
  }
}
