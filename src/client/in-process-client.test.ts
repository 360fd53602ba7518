import { describeClient } from "./client.case.ts"

describeClient("InProcessClient", (env) => env.inProcess)
