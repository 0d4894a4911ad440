import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import type {
  AutoApplyStatus,
  DryRunResult,
  PolicyDocumentVersion,
  PolicyProblem,
} from '../../../core/contracts/policy-document.ts';
import { useActions, useClient } from '../../store/index.ts';
import { Badge, formatBytes, formatTime } from '../../ui/index.ts';
import { PolicyDocumentDryRun } from './PolicyDocumentDryRun.tsx';
import './PolicyDocument.css';

const EXAMPLE = `# Policies as code (YAML or JSON). Example:
auto_apply:
  enabled: false
  window: "01:00-05:00"   # UTC
  daily_bytes: 500GiB
  allow: [demote]
policies:
  - id: eu-finance
    select: { owner: finance }
    rules:
      residency: { regions: [eu-west-1] }
      never_retire_source: true
  - id: critical-hot
    select: { name: "crit-*" }
    rules: { pin: hot }`;

type Outcome = { kind: 'dry-run' | 'applied'; result: DryRunResult } | { kind: 'saved'; version: number };

/** The problems of a refused document (a 400 carries them), or null for any other error. */
const problemsOf = (e: unknown): PolicyProblem[] | null =>
  e instanceof ApiError && Array.isArray(e.details.problems) ? (e.details.problems as PolicyProblem[]) : null;

/**
 * The policy document: edit it as text, see each problem at its line, dry-run it (which
 * datasets would move and what it costs), save it as a new version, or save and apply it.
 */
export function PolicyDocumentSection() {
  const client = useClient();
  const { refreshRecommendations } = useActions();
  const [current, setCurrent] = useState<PolicyDocumentVersion | null>(null);
  const [versions, setVersions] = useState<PolicyDocumentVersion[]>([]);
  const [auto, setAuto] = useState<AutoApplyStatus | null>(null);
  const [source, setSource] = useState('');
  const [problems, setProblems] = useState<PolicyProblem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  const reload = async () => {
    const [cur, list, status] = await Promise.all([
      client['policy-document/get'](),
      client['policy-document/versions']({ limit: 10 }),
      client['auto-apply/status'](),
    ]);
    setCurrent(cur);
    setVersions(list);
    setAuto(status);
    return cur;
  };
  useEffect(() => {
    reload().then(
      (cur) => setSource(cur.source),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    // Once, on mount: later reloads keep what the operator is typing.
  }, [client]);

  const lines = useMemo(() => Math.max(1, source.split('\n').length), [source]);
  const badLines = useMemo(
    () => new Set(problems.flatMap((p) => [p.line, ...(p.other ? [p.other.line] : [])])),
    [problems],
  );
  const dirty = current !== null && source !== current.source;

  const run = (what: string, call: () => Promise<Outcome>) => {
    setBusy(what);
    setError(null);
    call()
      .then((o) => {
        setProblems([]);
        setOutcome(o);
      })
      .catch((e: unknown) => {
        const ps = problemsOf(e);
        setProblems(ps ?? []);
        setOutcome(null);
        setError(ps ? null : e instanceof Error ? e.message : String(e));
      })
      .finally(() => setBusy(null));
  };
  const dryRun = () =>
    run('dry-run', async () => ({
      kind: 'dry-run',
      result: await client['policy-document/dry-run']({ source }),
    }));
  const save = (apply: boolean) =>
    run(apply ? 'apply' : 'save', async () => {
      const r = await client['policy-document/put']({ source, apply });
      await reload();
      if (apply) await refreshRecommendations();
      return r.applied
        ? { kind: 'applied', result: r.applied }
        : { kind: 'saved', version: r.document.version };
    });

  /** Puts the caret on a line (a problem's "Line N" button). */
  const goTo = (line: number) => {
    const el = area.current;
    if (!el) return;
    const starts = [0];
    for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
    const start = starts[line - 1] ?? source.length;
    const end = (starts[line] ?? source.length + 1) - 1;
    el.focus();
    el.setSelectionRange(start, Math.max(start, end));
    const lineHeight = el.scrollHeight / lines;
    el.scrollTop = Math.max(0, (line - 3) * lineHeight);
  };

  return (
    <section
      className="section"
      aria-labelledby="policy-document-title"
      data-testid="settings-policy-document"
    >
      <div className="section-head">
        <h2 id="policy-document-title">Policy document</h2>
        <span className="muted" data-testid="policy-document-version">
          {current === null
            ? 'loading…'
            : current.version === 0
              ? 'none saved yet'
              : `v${current.version} by ${current.author}, ${formatTime(current.created_at)}`}
        </span>
        {current && (
          <Badge tone={current.auto_apply ? 'warn' : 'neutral'} testId="policy-document-auto-apply">
            auto-apply {current.auto_apply ? 'on' : 'off'}
          </Badge>
        )}
        {dirty && <Badge tone="info">edited</Badge>}
      </div>
      {auto?.enabled && (
        <p className="muted" data-testid="policy-document-auto-apply-status">
          Auto-apply plans {auto.allow.join(', ')} moves
          {auto.window
            ? ` between ${auto.window} UTC (${auto.in_window ? 'open now' : 'closed now'})`
            : ' at any hour'}
          ; {formatBytes(auto.planned_today_bytes)} of {formatBytes(auto.daily_bytes)} planned today
          {auto.last_run
            ? `; last run ${formatTime(auto.last_run.at)}: ${auto.last_run.idle ?? `${auto.last_run.planned} planned, ${auto.last_run.skipped.length} skipped`}`
            : ''}
          .
        </p>
      )}
      {error && (
        <p className="alert" role="alert" data-testid="policy-document-error">
          {error}
        </p>
      )}
      <div className="pd-editor">
        <div className="pd-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            <div
              key={i}
              className={badLines.has(i + 1) ? 'pd-line pd-line-error' : 'pd-line'}
              data-testid={badLines.has(i + 1) ? `policy-document-bad-line-${i + 1}` : undefined}
            >
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          className="pd-source"
          value={source}
          placeholder={EXAMPLE}
          spellCheck={false}
          wrap="off"
          rows={Math.min(24, Math.max(12, lines + 1))}
          aria-label="Policy document (YAML or JSON)"
          aria-invalid={problems.length > 0}
          aria-describedby={problems.length ? 'policy-document-problems' : undefined}
          data-testid="policy-document-source"
          onChange={(e) => setSource(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      {problems.length > 0 && (
        <ul id="policy-document-problems" className="pd-problems" data-testid="policy-document-problems">
          {problems.map((p, i) => (
            <li key={i} data-testid={`policy-document-problem-${i}`} data-line={p.line} data-field={p.field}>
              <button type="button" className="link" onClick={() => goTo(p.line)}>
                Line {p.line}
              </button>{' '}
              <code>{p.field}</code> {p.message.replace(/^line \d+, [^:]+: /, '')}
              {p.other && (
                <>
                  {' '}
                  (
                  <button type="button" className="link" onClick={() => goTo(p.other!.line)}>
                    line {p.other.line}
                  </button>
                  )
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="form-actions pd-actions">
        <button
          type="button"
          onClick={dryRun}
          disabled={busy !== null}
          data-testid="policy-document-dry-run-button"
        >
          {busy === 'dry-run' ? 'Checking…' : 'Dry run'}
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => save(false)}
          disabled={busy !== null || !dirty}
          data-testid="policy-document-save"
        >
          {busy === 'save' ? 'Saving…' : 'Save new version'}
        </button>
        <button
          type="button"
          onClick={() => save(true)}
          disabled={busy !== null}
          data-testid="policy-document-apply"
        >
          {busy === 'apply' ? 'Applying…' : 'Save and apply'}
        </button>
        {dirty && (
          <button
            type="button"
            onClick={() => current && setSource(current.source)}
            disabled={busy !== null}
            data-testid="policy-document-revert"
          >
            Revert
          </button>
        )}
        {outcome?.kind === 'saved' && (
          <span className="success" role="status" data-testid="policy-document-saved">
            Saved as v{outcome.version}.
          </span>
        )}
      </div>
      {outcome && outcome.kind !== 'saved' && (
        <PolicyDocumentDryRun result={outcome.result} applied={outcome.kind === 'applied'} />
      )}
      {versions.length > 0 && (
        <details className="pd-history" data-testid="policy-document-history">
          <summary>History ({versions.length} latest)</summary>
          <ul>
            {versions.map((v) => (
              <li key={v.version} data-testid={`policy-document-history-${v.version}`}>
                v{v.version} · {v.author} · {formatTime(v.created_at)}
                {v.comment ? ` · ${v.comment}` : ''} · {v.policy_ids.length} polic
                {v.policy_ids.length === 1 ? 'y' : 'ies'}{' '}
                <button type="button" className="link" onClick={() => setSource(v.source)}>
                  Load into editor
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
