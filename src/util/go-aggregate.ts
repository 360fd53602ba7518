/** Messages joined as upstream's error aggregate (utilerrors.NewAggregate) prints them: one alone, several as `[a, b]`, each once. */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)]
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(", ")}]`
}
