import { describe, expect, it } from 'vitest';
import { pathOfPair } from '../../client/mesh/stats';

describe('pathOfPair()', () => {
  it('is relay when either end is a TURN relay', () => {
    expect(pathOfPair('relay', 'host')).toBe('relay');
    // Behind the NAT lab's symmetric NAT Chromium selects "local prflx → remote relay": relayed.
    expect(pathOfPair('prflx', 'relay')).toBe('relay');
    expect(pathOfPair('host', 'relay')).toBe('relay');
  });
  it('is srflx/prflx when either end went through a NAT, the local end first', () => {
    expect(pathOfPair('host', 'srflx')).toBe('srflx'); // behind NAT the local end is often host
    expect(pathOfPair('host', 'prflx')).toBe('prflx');
    expect(pathOfPair('srflx', 'prflx')).toBe('srflx');
    expect(pathOfPair('prflx', 'host')).toBe('prflx');
  });
  it('is host only when both ends are host', () => {
    expect(pathOfPair('host', 'host')).toBe('host');
    expect(pathOfPair('host', undefined)).toBe('host'); // no remote candidate stats
  });
  it('is null without a known local type', () => {
    expect(pathOfPair(undefined, 'relay')).toBeNull();
    expect(pathOfPair('bogus', 'host')).toBeNull();
  });
});
