/** A command a person may type, shown as code. */
export function Cmd({ children }: { children: string }) {
  return <code className="cmd">{children}</code>;
}
