/**
 * A pod network that exists only once the node's podCIDR is known: the kubelet registers its
 * Node, the nodeipam controller gives it a podCIDR, and only then can a bridge network with
 * addresses from it be made. Until then `init()` (and so every pod sandbox) waits.
 */
import { ApiError, Nodes } from "../api/index.ts"
import type { Client } from "../client/index.ts"
import type { PodAttachRequest, PodAttachment, PodNetwork } from "../network/index.ts"
import type { Logger } from "../util/index.ts"

/** A PodNetwork made later, by `make`; `close()` before it exists closes nothing. */
export class DeferredPodNetwork implements PodNetwork {
  readonly name: string
  readonly #made: Promise<PodNetwork>
  #network?: PodNetwork

  constructor(name: string, make: () => Promise<PodNetwork>) {
    this.name = name
    this.#made = make().then((n) => (this.#network = n))
    this.#made.catch(() => {}) // reported by init()
  }

  async init(): Promise<void> {
    await (await this.#made).init()
  }

  async attach(req: PodAttachRequest): Promise<PodAttachment> {
    return (await this.#made).attach(req)
  }

  async detach(req: PodAttachRequest): Promise<void> {
    await (await this.#made).detach(req)
  }

  async gc(keepIds: ReadonlySet<string>): Promise<void> {
    await (await this.#made).gc(keepIds)
  }

  async close(): Promise<void> {
    await this.#network?.close()
  }
}

/**
 * Resolves with the Node's spec.podCIDR once it has one (polling every `intervalMs`).
 * @throws Error when `signal` aborts first
 */
export async function waitForPodCIDR(
  client: Client,
  nodeName: string,
  opts: { readonly signal: AbortSignal; readonly log: Logger; readonly intervalMs?: number },
): Promise<string> {
  let told = false
  for (;;) {
    opts.signal.throwIfAborted()
    try {
      const node = await client.resource(Nodes).get({ name: nodeName })
      const cidr = node.spec?.podCIDRs?.[0] ?? node.spec?.podCIDR
      if (cidr) return cidr
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "NotFound")) throw err
    }
    if (!told)
      opts.log.info({ node: nodeName }, "Waiting for the node's podCIDR before starting pod sandboxes")
    told = true
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, opts.intervalMs ?? 1000)
      opts.signal.addEventListener("abort", done, { once: true })
      function done() {
        clearTimeout(timer)
        opts.signal.removeEventListener("abort", done)
        resolve()
      }
    })
  }
}
