/** Taking back what a pod network set up: every step is tried, whatever failed before it. */

/**
 * Runs `steps` in order, each even when an earlier one failed, so one failure (a missing tool, a
 * link gone already) does not leave the routes, links and tables of the later steps behind.
 * @throws the only failure, or an AggregateError of all of them
 */
export async function takeDown(what: string, steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  const errors: unknown[] = []
  for (const step of steps) {
    try {
      await step()
    } catch (err) {
      errors.push(err)
    }
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1)
    throw new AggregateError(errors, `Cannot take down ${what}: ${errors.length} steps failed`)
}
