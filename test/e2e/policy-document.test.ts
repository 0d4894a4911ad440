// Policies as code in the UI: a bad document shows each problem at its line, a good one's dry
// run lists the moves, "Save and apply" plans them, and the dataset's detail shows the audit
// trail of what happened and why.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from './support/e2e-env.ts';
import { AppShell } from './pages/app-shell.ts';
import { PolicyDocumentPage } from './pages/policy-document-page.ts';
import { waitForJob } from '../fixtures/migration-env.ts';

const BAD = `policies:
  - id: critical-hot
    select: { name: "crit-*" }
    rules: { pin: boiling }
  - id: archive-cold
    rules: { allowed_tiers: [cold], bogus: true }
`;

const GOOD = `policies:
  - id: critical-hot
    select: { name: "crit-*" }
    rules: { pin: hot }
`;

const AUTO = `auto_apply:
  enabled: true
  window: "01:00-05:00"
  daily_bytes: 100GiB
  allow: [demote]
${GOOD}`;

describe('settings: the policy document', () => {
  let env: E2E;
  let shell: AppShell;
  let doc: PolicyDocumentPage;
  beforeAll(async () => {
    env = await E2E.start();
    shell = new AppShell(env.page);
    doc = new PolicyDocumentPage(env.page);
  });
  afterEach(() => {
    expect(env.problems.unexpected()).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('shows problems at their lines, dry-runs, applies, and the dataset shows its audit trail', async () => {
    const logs = await env.dataset('crit-logs', 'archive', { 'a.log': 2048 }, { current_tier: 'cold' });
    await env.dataset('web', 'fast', { 'index.html': 512 });
    await shell.open(env.server.url, 'settings');
    await doc.section.waitFor();
    env.problems.expect(/status of 400/);

    await doc.write(BAD);
    await doc.dryRun();
    await doc.problems().first().waitFor();
    const shown = await doc
      .problems()
      .evaluateAll((els) =>
        els.map((e) => [Number(e.getAttribute('data-line')), e.getAttribute('data-field')]),
      );
    expect(shown).toEqual([
      [4, 'policies[0].rules.pin'],
      [6, 'policies[1].rules.bogus'],
    ]);
    await doc.badLine(4).waitFor();
    await doc.section.scrollIntoViewIfNeeded();
    await env.shots.lightAndDark('settings-policy-document-errors');

    await doc.write(GOOD);
    await doc.dryRun();
    await doc.item(logs.id).waitFor();
    expect(await doc.item(logs.id).getAttribute('data-action')).toBe('plan');
    expect(await doc.item(logs.id).textContent()).toMatch(/archive · cold.*fast · hot/);
    expect(await doc.problems().count()).toBe(0);
    await env.shots.lightAndDark('settings-policy-document-dry-run');

    await doc.saveAndApply();
    await doc.section.getByTestId('policy-document-applied').waitFor();
    await doc.section.locator('[data-testid="policy-document-version"]', { hasText: 'v1' }).waitFor();
    const [job] = env.core.jobs.list({ dataset_id: logs.id });
    expect(job).toBeDefined();
    expect((await waitForJob(env.core, job!.job_id, ['completed', 'failed'])).status).toBe('completed');

    await env.page.goto(`${env.server.url}/#/datasets?id=${logs.id}`);
    const audit = env.page.getByTestId('dataset-audit-table');
    await audit.locator('[data-action="switch"]').waitFor();
    const rows = await audit
      .locator('tbody tr')
      .evaluateAll((els) =>
        els.map((e) => [
          e.getAttribute('data-action'),
          e.querySelector('[data-testid^="audit-actor-"]')?.textContent,
        ]),
      );
    expect(rows).toEqual([
      ['switch', 'policy:critical-hot'],
      ['policy.apply', 'policy:critical-hot'],
    ]);
    await audit.scrollIntoViewIfNeeded();
    await env.shots.lightAndDark('dataset-audit');

    // Auto-apply switched on by a new version: its status line says what it may do today.
    await shell.open(env.server.url, 'settings');
    await doc.write(AUTO);
    await doc.section.getByTestId('policy-document-save').click();
    await doc.section.getByTestId('policy-document-saved').waitFor();
    const status = doc.section.getByTestId('policy-document-auto-apply-status');
    await status.waitFor();
    expect(await status.textContent()).toMatch(
      /hot->warm.*between 01:00-05:00 UTC.*of 100 GiB planned today/,
    );
    expect(await doc.section.getByTestId('policy-document-auto-apply').textContent()).toBe('auto-apply on');
    await doc.section.getByTestId('policy-document-history').click();
    await doc.section.getByTestId('policy-document-history-1').waitFor();
    await doc.section.scrollIntoViewIfNeeded();
    await env.shots.lightAndDark('settings-policy-document-auto-apply');
  });
});
