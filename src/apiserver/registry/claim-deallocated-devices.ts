/**
 * A ResourceClaim status write drops the status of devices it deallocates (upstream's
 * dropDeallocatedStatusDevices): entries of status.devices for a device the stored allocation had
 * and the written one no longer has.
 */
import type { ApiObject, dra } from "../../api/index.ts"

type Claim = ApiObject & dra.ResourceClaim

function deviceId(d: { driver?: string; pool?: string; device?: string }): string {
  return JSON.stringify([d.driver ?? "", d.pool ?? "", d.device ?? ""])
}

/** Drops from `next`'s status the devices that `old` had allocated and `next` does not (in place). */
export function dropDeallocatedDevices(next: Claim, old: Claim): void {
  const devices = next.status?.devices
  if (!next.status || !devices?.length) return
  const gone = new Set((old.status?.allocation?.devices?.results ?? []).map(deviceId))
  for (const r of next.status.allocation?.devices?.results ?? []) gone.delete(deviceId(r))
  if (!gone.size) return
  const kept = devices.filter((d) => !gone.has(deviceId(d)))
  next.status = { ...next.status }
  if (kept.length) next.status.devices = kept
  else delete next.status.devices
}
