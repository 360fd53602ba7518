// nginx and httpd, as the process runtime runs them: a static web server on port 80 of the
// pod's address (K8TS_POD_IP) serving the image's document root with its default page,
// re-reading files on every request. The document root is K8TS_DOCUMENT_ROOT (a folder of the
// container) when set.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { extname, join, normalize } from "node:path"

const flavour = process.env.K8TS_WEB_FLAVOUR === "httpd" ? "httpd" : "nginx"
const root =
  process.env.K8TS_DOCUMENT_ROOT ||
  join(process.cwd(), flavour === "nginx" ? "usr/share/nginx/html" : "usr/local/apache2/htdocs")
const port = Number(process.env.K8TS_WEB_PORT || 80)
const host = process.env.K8TS_POD_IP || "0.0.0.0"

const NGINX_PAGE = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>
</body>
</html>
`
const HTTPD_PAGE = "<html><body><h1>It works!</h1></body></html>\n"

if (!existsSync(join(root, "index.html"))) {
  mkdirSync(root, { recursive: true })
  writeFileSync(join(root, "index.html"), flavour === "nginx" ? NGINX_PAGE : HTTPD_PAGE)
}

const TYPES = {
  ".html": "text/html",
  ".txt": "text/plain",
  ".json": "application/json",
  ".css": "text/css",
  ".js": "application/javascript",
}
const server = flavour === "nginx" ? "nginx" : "Apache"

createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x")
  let path = normalize(join(root, decodeURIComponent(url.pathname)))
  if (!path.startsWith(root)) path = root
  try {
    if (statSync(path).isDirectory()) path = join(path, "index.html")
    const body = readFileSync(path)
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream", server })
    res.end(req.method === "HEAD" ? undefined : body)
    console.log(
      `${req.socket.remoteAddress} - - [${new Date().toISOString()}] "${req.method} ${req.url} HTTP/1.1" 200 ${body.length}`,
    )
  } catch {
    res.writeHead(404, { "content-type": "text/html", server })
    res.end(`<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n`)
    console.log(
      `${req.socket.remoteAddress} - - [${new Date().toISOString()}] "${req.method} ${req.url} HTTP/1.1" 404`,
    )
  }
})
  .on("error", (err) => {
    // As the real servers report a port they cannot bind, then exit 1 (the container fails).
    const why =
      err.code === "EACCES"
        ? "13: Permission denied"
        : err.code === "EADDRINUSE"
          ? "98: Address in use"
          : err.message
    if (flavour === "nginx") console.error(`nginx: [emerg] bind() to ${host}:${port} failed (${why})`)
    else console.error(`(${why}): AH00072: make_sock: could not bind to address ${host}:${port}`)
    if (err.code === "EACCES" && port < 1024) {
      console.error(
        `ports below 1024 need root on this node (or sysctl net.ipv4.ip_unprivileged_port_start=0); K8TS_WEB_PORT in the container's env picks another`,
      )
    }
    process.exit(1)
  })
  .listen(port, host, () => console.log(`${flavour}: serving ${root} on ${host}:${port}`))

for (const s of ["SIGTERM", "SIGINT", "SIGQUIT"]) process.on(s, () => process.exit(0))
