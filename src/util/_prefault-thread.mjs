/**
 * The thread of PrefaultedSlabs (prefaulted-slabs.ts): makes buffers, touches every page of each,
 * and transfers them (their memory moves, it is not copied), so the thread that takes them finds
 * their memory mapped already. Plain JavaScript, so the worker needs no TypeScript loader.
 */
import { parentPort } from "node:worker_threads"

const PAGE = 4096

parentPort.on("message", ({ bytes, count }) => {
  const slabs = []
  for (let i = 0; i < count; i++) {
    const slab = new ArrayBuffer(bytes)
    const view = new Uint8Array(slab)
    // A buffer need not start on a page: its last byte may be on a page the loop does not reach.
    for (let at = 0; at < bytes; at += PAGE) view[at] = 0
    view[bytes - 1] = 0
    slabs.push(slab)
  }
  parentPort.postMessage(slabs, slabs)
})
