import { expect } from 'chai';
import { ingressGuard, INGRESS_PROXY_IP } from '../../src/web/index.js';

describe('web: in add-on mode only the ingress proxy and loopback are served', () => {
  const call = (remoteAddress: string) => {
    let status = 200; let passed = false;
    const res = { status(code: number) { status = code; return this; }, json() { return this; } };
    ingressGuard({ socket: { remoteAddress } } as never, res as never, () => { passed = true; });
    return { status, passed };
  };
  it('lets 172.30.32.2 and loopback through and answers 403 to anyone else', () => {
    expect(call(INGRESS_PROXY_IP)).to.deep.equal({ status: 200, passed: true });
    expect(call(`::ffff:${INGRESS_PROXY_IP}`)).to.deep.equal({ status: 200, passed: true });
    expect(call('127.0.0.1')).to.deep.equal({ status: 200, passed: true });
    expect(call('::1')).to.deep.equal({ status: 200, passed: true });
    expect(call('172.30.32.3')).to.deep.equal({ status: 403, passed: false });
    expect(call('192.168.1.20')).to.deep.equal({ status: 403, passed: false });
  });
});
