/**
 * Links in proxied HTML pages, rewritten as upstream's proxy transport does: the URL-valued
 * attributes of known tags go through the same rewrite as a redirect's Location, so absolute
 * links of the proxied page stay under the proxy path. Gzip and deflate bodies are decoded and
 * encoded again; other encodings pass unchanged. Unlike upstream, the page is not re-serialised:
 * only attribute values change.
 */
import { promisify } from "node:util"
import { deflate, gunzip, gzip, inflate } from "node:zlib"

/** Which attributes of which tags hold URLs (the HTML 4 and 5 attribute indexes). */
const URL_ATTRIBUTES: Record<string, readonly string[]> = {
  a: ["href"],
  applet: ["codebase"],
  area: ["href"],
  audio: ["src"],
  base: ["href"],
  blockquote: ["cite"],
  body: ["background"],
  button: ["formaction"],
  command: ["icon"],
  del: ["cite"],
  embed: ["src"],
  form: ["action"],
  frame: ["longdesc", "src"],
  head: ["profile"],
  html: ["manifest"],
  iframe: ["longdesc", "src"],
  img: ["longdesc", "src", "usemap"],
  input: ["src", "usemap", "formaction"],
  ins: ["cite"],
  link: ["href"],
  object: ["classid", "codebase", "data", "usemap"],
  q: ["cite"],
  script: ["src"],
  source: ["src"],
  video: ["poster", "src"],
}

const TAG = /<([a-zA-Z][a-zA-Z0-9]*)(\s[^>]*)?>/g
const ATTR = /(\s)([a-zA-Z_:][-a-zA-Z0-9_:.]*)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)/g

/** The page with `rewrite` applied to every URL-valued attribute. */
export function rewriteHtml(page: string, rewrite: (url: string) => string): string {
  return page.replace(TAG, (whole, tag: string, attrs: string | undefined) => {
    const names = URL_ATTRIBUTES[tag.toLowerCase()]
    if (!names || !attrs) return whole
    const next = attrs.replace(ATTR, (a, space: string, name: string, eq: string, quoted: string) => {
      if (!names.includes(name.toLowerCase())) return a
      const q = quoted[0] === '"' || quoted[0] === "'" ? quoted[0] : ""
      const value = q ? quoted.slice(1, -1) : quoted
      return `${space}${name}${eq}${q}${rewrite(value)}${q}`
    })
    return `<${tag}${next}>`
  })
}

const CODECS: Record<string, [(b: Buffer) => Promise<Buffer>, (b: Buffer) => Promise<Buffer>]> = {
  "": [async (b) => b, async (b) => b],
  gzip: [promisify(gunzip), promisify(gzip)],
  deflate: [promisify(inflate), promisify(deflate)],
}

/** True when a response with these headers is a page whose links are rewritten. */
export function isRewritableHtml(contentType: string | undefined, encoding: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase()
  return type === "text/html" && Object.hasOwn(CODECS, (encoding ?? "").toLowerCase())
}

/** The whole body, its links rewritten (decoded and encoded again with `encoding`). */
export async function rewriteHtmlBody(
  body: Buffer,
  encoding: string | undefined,
  rewrite: (url: string) => string,
): Promise<Buffer> {
  const codec = Object.hasOwn(CODECS, (encoding ?? "").toLowerCase()) ? (encoding ?? "").toLowerCase() : ""
  const [decode, encode] = CODECS[codec] as [(b: Buffer) => Promise<Buffer>, (b: Buffer) => Promise<Buffer>]
  const page = (await decode(body)).toString("utf8")
  return encode(Buffer.from(rewriteHtml(page, rewrite), "utf8"))
}
