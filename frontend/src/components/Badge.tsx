export type Tone = "neutral" | "info" | "good" | "warn" | "bad";

export function Badge({ tone, children }: { tone: Tone; children: string }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
