import type { ConfigIssue } from '../../../../src-shared/errors';

/** Config problems, each with its path and reason. */
export function IssueList({ issues, testId }: { issues: readonly ConfigIssue[]; testId: string }) {
  if (issues.length === 0) return null;
  return (
    <ul className="issues" role="alert" data-testid={testId}>
      {issues.map((i) => (
        <li key={`${i.path}\u0000${i.message}`} data-testid="config-issue" data-path={i.path}>
          {i.path ? <code className="issue-path">{i.path}</code> : null}
          {i.path ? ': ' : ''}
          {i.message}
        </li>
      ))}
    </ul>
  );
}
