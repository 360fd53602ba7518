import { MemoryStore } from "./memory.ts"
import { describeStore } from "./store.case.ts"

describeStore("MemoryStore", async () => new MemoryStore())
