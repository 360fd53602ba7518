/**
 * The identity of upstream's loopback client (system:apiserver in system:masters): the server's
 * own requests to itself, which no authorizer nor binding keeps out. The in-process client sends
 * it by default, and the server asks its own /readyz as it at start-up.
 */
export const LOOPBACK_USER: { readonly name: string; readonly groups: readonly string[] } = {
  name: "system:apiserver",
  groups: ["system:masters", "system:authenticated"],
}
