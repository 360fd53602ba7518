/** Tests' pod network: no links, only lo up in each namespace with an address of 10.252.<n>.0/24. */
import { execFileSync } from "node:child_process"
import type { PodAttachRequest, PodAttachment, PodNetwork } from "../../../../network/index.ts"

/** A pod network that only brings lo up in each namespace, with an address of 10.252.<n>.0/24. */
export class LoopbackOnlyNetwork implements PodNetwork {
  readonly name = "test-lo"
  readonly attached = new Set<string>()
  #next = 1
  readonly #subnet = 1 + Math.floor(Math.random() * 250)
  async init(): Promise<void> {}
  async attach(req: PodAttachRequest): Promise<PodAttachment> {
    const ip = `10.252.${this.#subnet}.${this.#next++}`
    const input = `link set lo up\naddr add ${ip}/32 dev lo\n`
    execFileSync("nsenter", [`--net=${req.netnsPath}`, "--", "ip", "-batch", "-"], { input })
    this.attached.add(req.id)
    return { ip, gateway: ip, interface: "lo" }
  }
  async detach(req: PodAttachRequest): Promise<void> {
    this.attached.delete(req.id)
  }
  async gc(keepIds: ReadonlySet<string>): Promise<void> {
    for (const id of this.attached) if (!keepIds.has(id)) this.attached.delete(id)
  }
  async close(): Promise<void> {}
}
