import { afterEach, describe, expect, it } from 'vitest';
import { parseApiKeys, keysFromEnv } from '../../core/api/api-keys.ts';
import { apiFixture, type ApiFixture } from '../api/api-fixture.ts';

describe('named API keys', () => {
  it('parses NAME=KEY and a bare KEY (named "default")', () => {
    expect(parseApiKeys(['s3cret-bare', 'ci=abc=def', 'ops=xyz'])).toEqual([
      { name: 'default', secret: 's3cret-bare' },
      { name: 'ci', secret: 'abc=def' },
      { name: 'ops', secret: 'xyz' },
    ]);
    // "=" where a name cannot be: the whole value is the default key.
    expect(parseApiKeys(['=abc', 'abc=='])).toEqual([
      { name: 'default', secret: '=abc' },
      { name: 'abc', secret: '=' },
    ]);
    expect(keysFromEnv(' ci=a , ops=b ,')).toEqual(['ci=a', 'ops=b']);
  });

  it.each([
    [['ci=a', 'ci=b'], /"ci" is given twice/],
    [['ci=same', 'ops=same'], /share a secret/],
  ])('refuses %j', (specs, message) => {
    expect(() => parseApiKeys(specs)).toThrow(message);
  });

  describe('over REST', () => {
    let f: ApiFixture | undefined;
    afterEach(async () => {
      await f?.close();
      f = undefined;
    });

    it('each key works, an unknown one is refused, and the audit trail names the key', async () => {
      f = await apiFixture({
        apiKey: 'the-old-single-key',
        apiKeys: [
          { name: 'ci', secret: 'ci-key-123456' },
          { name: 'ops', secret: 'ops-key-123456' },
        ],
      });
      const post = (key: string, name: string) =>
        f!.inject({
          method: 'POST',
          url: '/policies',
          headers: { 'x-api-key': key },
          payload: { name, kind: 'pin', params: { tier: 'hot' } },
        });
      expect((await post('ci-key-123456', 'a')).statusCode).toBe(201);
      expect((await post('ops-key-123456', 'b')).statusCode).toBe(201);
      expect((await post('the-old-single-key', 'c')).statusCode).toBe(201);
      expect((await post('nobody', 'd')).statusCode).toBe(401);
      const del = await f.inject({
        method: 'DELETE',
        url: '/policies/1',
        headers: { authorization: 'Bearer ops-key-123456' },
      });
      expect(del.statusCode).toBe(204);
      // Legacy /policies changes are policy changes on the audit trail too.
      const items = f.core.audit.list({ action: 'policy.update' }).items;
      expect(items.map((e) => [e.actor, e.reason])).toEqual([
        ['api_key:ops', 'pin policy "a" deleted'],
        ['api_key:default', 'pin policy "c" created'],
        ['api_key:ops', 'pin policy "b" created'],
        ['api_key:ci', 'pin policy "a" created'],
      ]);
    });

    it('without any key (loopback), REST is recorded as api:loopback', async () => {
      f = await apiFixture();
      await f.inject({
        method: 'POST',
        url: '/policies',
        payload: { name: 'a', kind: 'pin', params: { tier: 'hot' } },
      });
      expect(f.core.audit.list().items.map((e) => e.actor)).toEqual(['api:loopback']);
    });
  });
});
