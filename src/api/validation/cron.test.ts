import assert from "node:assert/strict"
import { test } from "node:test"
import { cronScheduleError } from "./cron.ts"

const scheduleCases: { name: string; input: string; want: string | undefined }[] = [
  { name: "cronScheduleError() accepts */5 * * * *", input: "*/5 * * * *", want: undefined },
  { name: "cronScheduleError() accepts names and lists", input: "0 9-17 * JAN,feb MON-FRI", want: undefined },
  { name: "cronScheduleError() accepts @hourly", input: "@hourly", want: undefined },
  {
    name: "cronScheduleError() counts fields",
    input: "* * * *",
    want: "expected exactly 5 fields, found 4: [* * * *]",
  },
  {
    name: "cronScheduleError() checks ranges",
    input: "60 * * * *",
    want: "end of range (60) above maximum (59): 60",
  },
  {
    name: "cronScheduleError() checks numbers",
    input: "x * * * *",
    want: 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
  },
  {
    name: "cronScheduleError() checks range order",
    input: "5-1 * * * *",
    want: "beginning of range (5) beyond end of range (1): 5-1",
  },
  {
    name: "cronScheduleError() refuses day 0 of the month",
    input: "* * 0 * *",
    want: "beginning of range (0) below minimum (1): 0",
  },
  {
    name: "cronScheduleError() refuses unknown descriptors",
    input: "@often",
    want: "unrecognized descriptor: @often",
  },
]

for (const c of scheduleCases) {
  test(c.name, () => {
    assert.equal(cronScheduleError(c.input), c.want)
  })
}
