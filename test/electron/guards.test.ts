// The desktop's security decisions, as pure functions, against hostile inputs. Main wires
// exactly these into Electron (electron/main.ts); the wiring itself needs the binary.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  allowNavigation,
  allowPermission,
  isAllowedExternal,
  isAppUrl,
  isTrustedSender,
  windowOpenDecision,
} from '../../electron/guards.ts';
import { DESKTOP_CSP, rendererFile, rendererResponse } from '../../electron/renderer-files.ts';
import { routeIpc } from '../../electron/ipc-router.ts';
import { EngineCallError } from '../../electron/engine/client.ts';
import { CSP } from '../../core/api/csp.ts';
import { DataMotionError } from '../../core/errors.ts';

const HOSTILE_NAVIGATION = [
  'https://evil.example/',
  'http://app/',
  'file:///etc/passwd',
  'datamotion://app.evil.example/index.html',
  'datamotion://evil/index.html',
  'datamotion://app:8080/index.html',
  'datamotion://user:pass@app/index.html',
  'datamotion://user@app/index.html',
  'datamotion:app/index.html',
  'datamotion:///app/index.html',
  'DATAMOTION-x://app/',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'chrome://settings',
  'devtools://devtools/bundled/inspector.html',
  '//app/index.html',
  '',
  'not a url',
  'datamotion://appx/',
  'datamotion://app%2eevil/',
];

describe('navigation guard (will-navigate, will-redirect)', () => {
  it('allows the app itself', () => {
    for (const url of [
      'datamotion://app/index.html',
      'datamotion://app/',
      'datamotion://app/index.html#/queue',
      'datamotion://app/index.html?view=map',
    ]) {
      expect(allowNavigation(url), url).toBe(true);
    }
  });

  it.each(HOSTILE_NAVIGATION)('refuses %s', (url) => {
    expect(allowNavigation(url)).toBe(false);
    expect(isAppUrl(url)).toBe(false);
  });
});

describe('new windows and external links', () => {
  it('never opens a window; opens only allow-listed https pages outside', () => {
    expect(windowOpenDecision('https://docs.aws.amazon.com/AmazonS3/latest/userguide/')).toEqual({
      action: 'deny',
      openExternal: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/',
    });
    for (const url of [
      'http://docs.aws.amazon.com/',
      'https://docs.aws.amazon.com.evil.example/',
      'https://evil.example/?https://docs.aws.amazon.com/',
      'https://user@docs.aws.amazon.com/',
      'https://docs.aws.amazon.com:8443/',
      'file:///etc/passwd',
      'smb://server/share',
      'ms-msdt:/id PCWDiagnostic',
      'javascript:alert(1)',
      'datamotion://app/index.html',
      'not a url',
    ]) {
      expect(windowOpenDecision(url), url).toEqual({ action: 'deny' });
      expect(isAllowedExternal(url), url).toBe(false);
    }
  });

  it('denies every permission', () => {
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'hid',
      'usb',
    ]) {
      expect(allowPermission(p)).toBe(false);
    }
  });
});

describe('IPC senders and routing (fake senders: the shape Electron passes)', () => {
  const top = { url: 'datamotion://app/index.html', parent: null };
  const trusted = { senderFrame: top };

  it('trusts only a top-level frame of the app origin', () => {
    expect(isTrustedSender(trusted)).toBe(true);
    // An iframe inside the app's own page: wrong frame.
    expect(isTrustedSender({ senderFrame: { url: 'datamotion://app/index.html', parent: top } })).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false); // frame gone
    for (const url of [
      'https://evil.example/',
      'datamotion://evil/index.html',
      'datamotion://app.evil/index.html',
      'file:///x/index.html',
      'about:blank',
    ]) {
      expect(isTrustedSender({ senderFrame: { url, parent: null } }), url).toBe(false);
    }
  });

  it('refuses untrusted senders without calling through', async () => {
    let called = 0;
    const reply = await routeIpc(
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      () => ++called,
    );
    expect(called).toBe(0);
    expect(reply).toEqual({
      ok: false,
      error: expect.objectContaining({
        error: 'forbidden',
        message: expect.stringMatching(/untrusted sender/),
      }),
    });
  });

  it('passes answers and errors as data, naming the field; hides internal errors', async () => {
    expect(await routeIpc(trusted, () => 42)).toEqual({ ok: true, value: 42 });
    const engineError = new EngineCallError({
      error: 'invalid_input',
      message: 'id: must be integer',
      field: 'id',
    });
    expect(
      await routeIpc(trusted, () => {
        throw engineError;
      }),
    ).toEqual({ ok: false, error: { error: 'invalid_input', message: 'id: must be integer', field: 'id' } });
    expect(
      await routeIpc(trusted, () => {
        throw new DataMotionError('invalid_input', 'body.port: must be <= 65535', 'body.port');
      }),
    ).toEqual({
      ok: false,
      error: { error: 'invalid_input', message: 'body.port: must be <= 65535', field: 'body.port' },
    });
    const seen: unknown[] = [];
    const internal = await routeIpc(
      trusted,
      () => {
        throw new Error('secret stack detail');
      },
      (e) => seen.push(e),
    );
    expect(internal).toEqual({
      ok: false,
      error: { error: 'internal', message: 'internal error; see the application log' },
    });
    expect(JSON.stringify(internal)).not.toContain('secret stack detail');
    expect(seen).toHaveLength(1);
  });
});

describe('the datamotion:// protocol handler', () => {
  let dir: string;
  let outside: string;
  beforeAll(() => {
    const base = mkdtempSync(join(tmpdir(), 'dm-proto-'));
    dir = join(base, 'renderer');
    outside = join(base, 'secret.json');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'assets', 'app-abcdef12.js'), 'console.log(1)');
    writeFileSync(outside, '{"key":"do not serve"}');
    symlinkSync(outside, join(dir, 'assets', 'leak.json'));
  });
  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('serves bundle files with the CSP as a header', async () => {
    const res = await rendererResponse(dir, 'datamotion://app/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(DESKTOP_CSP);
    // The server's policy, with 'self' spelled as the app's origin: nothing added or dropped.
    expect(DESKTOP_CSP).toBe(CSP.replaceAll("'self'", APP_ORIGIN));
    expect(CSP).toContain("object-src 'none'");
    expect(CSP).toContain("base-uri 'none'");
    expect(CSP).not.toContain('unsafe-inline');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>x</title>');
    expect(rendererFile(dir, 'datamotion://app/')).toBe(join(dir, 'index.html'));
    expect((await rendererResponse(dir, 'datamotion://app/assets/app-abcdef12.js')).status).toBe(200);
  });

  it("keeps renderer/index.html's meta policy equal to the header's (minus header-only frame-ancestors)", () => {
    const html = readFileSync(join(import.meta.dirname, '..', '..', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(
      CSP.split('; ')
        .filter((d) => !d.startsWith('frame-ancestors'))
        .join('; '),
    );
  });

  it.each([
    'datamotion://app/../secret.json',
    'datamotion://app/%2e%2e/secret.json',
    'datamotion://app/assets/%2e%2e%2f..%2fsecret.json',
    'datamotion://app/..%5csecret.json',
    'datamotion://app/index.html%00.js',
    'datamotion://app/%ff',
    'datamotion://evil/index.html',
    'https://app/index.html',
    'datamotion://app/missing.js',
    'datamotion://app/assets/unknown.exe',
    'datamotion://app/assets/leak.json',
  ])('answers 404 for %s', async (url) => {
    const res = await rendererResponse(dir, url);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toBe(DESKTOP_CSP);
  });
});
