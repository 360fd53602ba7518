/**
 * The authorizer a server runs (upstream's --authorization-mode and kube-apiserver's authorizer
 * union): system:masters allowed first, then each configured mode in order; the first Allow or
 * Deny decides, and no opinion from any of them refuses. Their rule resolvers (the privileged
 * group has none) together list a user's rules.
 */
import { aggregateMessage } from "../util/index.ts"
import {
  type AuthorizationAttributes,
  type AuthorizationDecision,
  type Authorizer,
  alwaysAllow,
  everythingRules,
  type NonResourceRule,
  type ResourceRule,
  type RuleResolver,
} from "./authz.ts"

/** The modes k8ts implements, as upstream names them. */
export const AUTHORIZATION_MODES = ["AlwaysAllow", "AlwaysDeny", "Node", "RBAC"] as const
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number]

/** The group whose members may do anything (upstream's user.SystemPrivilegedGroup). */
export const PRIVILEGED_GROUP = "system:masters"

/** Upstream's modes k8ts does not implement. */
const UNIMPLEMENTED = ["ABAC", "Webhook"]

/**
 * What is wrong with a list of modes, in upstream's words (BuiltInAuthorizationOptions.Validate).
 * A mode upstream has and k8ts lacks is named as such.
 */
export function authorizationModeErrors(modes: readonly string[]): string[] {
  const errs: string[] = []
  if (modes.length === 0) errs.push("at least one authorization-mode must be passed")
  for (const m of modes) {
    if (UNIMPLEMENTED.includes(m)) errs.push(`authorization-mode "${m}" is not implemented by k8ts`)
    else if (!(AUTHORIZATION_MODES as readonly string[]).includes(m))
      errs.push(`authorization-mode "${m}" is not a valid mode`)
  }
  if (new Set(modes).size !== modes.length)
    errs.push(
      `authorization-mode [${modes.map((m) => `"${m}"`).join(" ")}] has mode specified more than once`,
    )
  return errs
}

/** One mode's authorizer and rule resolver. */
export interface ModeAuthorizer {
  readonly authorize: Authorizer
  readonly rulesFor: RuleResolver
}

/** Allows the members of `groups`; no opinion about anyone else (upstream's NewPrivilegedGroups). */
export function privilegedGroups(...groups: string[]): Authorizer {
  return (a) => (a.user.groups.some((g) => groups.includes(g)) ? ALLOW : NO_OPINION)
}

const ALLOW: AuthorizationDecision = { decision: "Allow", reason: "" }
const NO_OPINION: AuthorizationDecision = { decision: "NoOpinion", reason: "" }
const ALWAYS_ALLOW: ModeAuthorizer = { authorize: alwaysAllow, rulesFor: everythingRules }
const ALWAYS_DENY: ModeAuthorizer = {
  authorize: () => ({ decision: "NoOpinion", reason: "Everything is forbidden." }),
  rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }),
}

/** The first Allow or Deny of `authorizers`, else no opinion with their reasons (upstream's union). */
export function unionAuthorizer(authorizers: readonly Authorizer[]): Authorizer {
  const rest = async (
    a: AuthorizationAttributes,
    from: number,
    pending: Promise<AuthorizationDecision>,
    reasons: string[],
  ): Promise<AuthorizationDecision> => {
    for (let i = from; i < authorizers.length; i++) {
      const d = i === from ? await pending : await (authorizers[i] as Authorizer)(a)
      if (d.reason) reasons.push(d.reason)
      if (d.decision !== "NoOpinion") return d
    }
    return { decision: "NoOpinion", reason: reasons.join("\n") }
  }
  // Synchronous while each authorizer answers at once (all of k8ts' do): it runs on every request.
  return (a) => {
    const reasons: string[] = []
    for (let i = 0; i < authorizers.length; i++) {
      const d = (authorizers[i] as Authorizer)(a)
      if (d instanceof Promise) return rest(a, i, d, reasons)
      if (d.reason) reasons.push(d.reason)
      if (d.decision !== "NoOpinion") return d
    }
    return reasons.length ? { decision: "NoOpinion", reason: reasons.join("\n") } : NO_OPINION
  }
}

/** Every resolver's rules together; incomplete if one is, their errors aggregated. */
export function unionRuleResolver(resolvers: readonly RuleResolver[]): RuleResolver {
  return (user, namespace) => {
    const resourceRules: ResourceRule[] = []
    const nonResourceRules: NonResourceRule[] = []
    const errors: string[] = []
    let incomplete = false
    for (const r of resolvers) {
      const rules = r(user, namespace)
      resourceRules.push(...rules.resourceRules)
      nonResourceRules.push(...rules.nonResourceRules)
      incomplete ||= rules.incomplete
      if (rules.evaluationError) errors.push(rules.evaluationError)
    }
    return {
      resourceRules,
      nonResourceRules,
      incomplete,
      ...(errors.length ? { evaluationError: aggregateMessage(errors) } : {}),
    }
  }
}

/** The server's authorization: how to ask, how to list rules, and whether anything is refused. */
export interface ServerAuthorization extends ModeAuthorizer {
  /** Every request is allowed (an AlwaysAllow mode): the request path need not ask. */
  readonly allowsAll: boolean
}

/** Makes the authorizers of the modes that need the server's state, asked only when a mode is on. */
export interface ModeFactories {
  readonly rbac: () => ModeAuthorizer
  readonly node: () => ModeAuthorizer
}

/**
 * The authorization of `modes` (checked with authorizationModeErrors), system:masters first;
 * `make` makes the RBAC and Node modes' authorizers.
 */
export function serverAuthorization(
  modes: readonly AuthorizationMode[],
  make: ModeFactories,
): ServerAuthorization {
  const configured = modes.map((m) =>
    m === "AlwaysAllow"
      ? ALWAYS_ALLOW
      : m === "AlwaysDeny"
        ? ALWAYS_DENY
        : m === "Node"
          ? make.node()
          : make.rbac(),
  )
  return {
    authorize: unionAuthorizer([privilegedGroups(PRIVILEGED_GROUP), ...configured.map((c) => c.authorize)]),
    rulesFor: unionRuleResolver(configured.map((c) => c.rulesFor)),
    // No mode denies (they allow or have no opinion), so one AlwaysAllow anywhere allows all.
    allowsAll: modes.includes("AlwaysAllow"),
  }
}
