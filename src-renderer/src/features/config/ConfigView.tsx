import { useState } from 'react';
import type { ConfigSaved } from '../../../../src-shared/contract';
import { useApp } from '../../app/shell-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { tabPanelProps, Tabs } from '../../components/Tabs';
import { ConfigForm } from './ConfigForm';
import { YamlEditor } from './YamlEditor';
import { ViewFrame } from '../../components/ViewFrame';

export function ConfigView() {
  const config = useApp((s) => s.config);
  const readError = useApp((s) => s.readErrors['config.get'] ?? null);
  const [tab, setTab] = useState<'form' | 'yaml'>('form');
  const [saved, setSaved] = useState<ConfigSaved | null>(null);
  return (
    <ViewFrame
      name="config"
      title="Config"
      aside={
        config ? (
          <span className="muted small" data-testid="config-path">
            {config.path}
          </span>
        ) : null
      }
    >
      {config === null ? (
        readError ? (
          <ErrorMessage testId="config-read-error">{readError}</ErrorMessage>
        ) : (
          <p className="muted">Loading config.yml…</p>
        )
      ) : (
        <>
          {config.warnings.length > 0 ? (
            <ul className="warnings" data-testid="config-warnings">
              {config.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          ) : null}
          {saved ? <SavedNote saved={saved} onDismiss={() => setSaved(null)} /> : null}
          <Tabs
            label="Edit as"
            idPrefix="config"
            value={tab}
            onChange={setTab}
            tabs={[
              { id: 'form', label: 'Form' },
              { id: 'yaml', label: 'YAML' },
            ]}
          />
          <div {...tabPanelProps('config', tab)}>
            {/* Keyed by the loaded text: after a save (or an outside edit) the editors start from the new file. */}
            {tab === 'form' ? (
              <ConfigForm key={config.text} view={config} onSaved={setSaved} />
            ) : (
              <YamlEditor key={config.text} view={config} onSaved={setSaved} />
            )}
          </div>
        </>
      )}
    </ViewFrame>
  );
}

function SavedNote({ saved, onDismiss }: { saved: ConfigSaved; onDismiss: () => void }) {
  return (
    <div className="panel panel-ok" role="status" data-testid="config-saved">
      <p>
        Saved to <code>{saved.path}</code>.{' '}
        <button type="button" className="link" onClick={onDismiss}>
          Dismiss
        </button>
      </p>
      {saved.applied.length > 0 ? (
        <ul data-testid="config-applied">
          {saved.applied.map((line) => (
            <li key={line} data-testid="config-applied-line">
              {line}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small" data-testid="config-applied-none">
          Nothing needed applying.
        </p>
      )}
      {saved.warnings.length > 0 ? (
        <ul className="warnings" data-testid="config-saved-warnings">
          {saved.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
