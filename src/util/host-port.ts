/** Go's net.JoinHostPort: `host:port`, the host in brackets when it has a colon (IPv6). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`
}
