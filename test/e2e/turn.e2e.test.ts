/**
 * Real coturn (`use-auth-secret`) on 127.0.0.1 with credentials minted by the real Worker:
 * relay-only Chromium connections open a data channel through it and getStats reports `relay`;
 * an expired credential or a wrong secret yields no relay candidate. Then two Wisp pages forced
 * to relay-only (`?relay=1`) connect through the same coturn and their panels say `relay`, and why.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { coturnCredentials } from '../../core/ice';
import type { IceServersResponse } from '../../core/protocol';
import { launchChromium } from './support/browser';
import { startCoturn, type Coturn } from './support/coturn';
import { joinNode } from './support/node-bot';
import { view, waitFor } from './support/pages';
import { startDev, type DevServer } from './support/wrangler';

const PORT = 8_792;
const TURN_PORT = 3_479;

interface RelayResult {
  open: boolean;
  localType: string | null;
  relayCandidates: number;
  errors: number[];
}

/** In a page: two relay-only RTCPeerConnections wired to each other; reports what ICE did. */
async function relayPair(page: Page, iceServers: RTCIceServer[], waitMs: number): Promise<RelayResult> {
  return page.evaluate(async ([servers, ms]) => {
    const cfg: RTCConfiguration = { iceServers: servers as RTCIceServer[], iceTransportPolicy: 'relay' };
    const a = new RTCPeerConnection(cfg);
    const b = new RTCPeerConnection(cfg);
    const errors: number[] = [];
    let relayCandidates = 0;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      from.onicecandidate = (e) => {
        if (!e.candidate) return;
        if (e.candidate.type === 'relay') relayCandidates++;
        void to.addIceCandidate(e.candidate);
      };
      from.onicecandidateerror = (e) => errors.push((e as RTCPeerConnectionIceErrorEvent).errorCode);
    }
    const channel = a.createDataChannel('probe');
    const opened = new Promise<boolean>((resolve) => {
      channel.onopen = () => resolve(true);
      setTimeout(() => resolve(false), ms as number);
    });
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    const open = await opened;
    let localType: string | null = null;
    const stats = await a.getStats();
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) {
        const pair = stats.get(s.selectedCandidatePairId);
        localType = stats.get(pair.localCandidateId)?.candidateType ?? null;
      }
    });
    a.close();
    b.close();
    return { open, localType, relayCandidates, errors };
  }, [iceServers, waitMs] as const);
}

describe('TURN through a real coturn', () => {
  let coturn: Coturn;
  let dev: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    coturn = await startCoturn(TURN_PORT);
    dev = await startDev(PORT, { TURN_SHARED_SECRET: coturn.secret, TURN_URLS: coturn.url, STUN_URLS: `stun:127.0.0.1:${TURN_PORT}` });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
    await coturn?.stop();
  });

  test('credentials from /api/ice-servers open a relay-only data channel; getStats says relay', async () => {
    const peer = await joinNode(dev.origin, 52.5, 13.4);
    const res = await fetch(`${dev.origin}/api/ice-servers`, { headers: { Authorization: `Bearer ${peer.token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as IceServersResponse;
    expect(body.source).toBe('coturn');
    const page = await browser.newPage();
    const result = await relayPair(page, body.iceServers, 10_000);
    expect(result).toMatchObject({ open: true, localType: 'relay' });
    expect(result.relayCandidates).toBeGreaterThan(0);
    peer.close();
    await page.close();
  });

  test('an expired credential or a wrong secret gives no relay candidate', async () => {
    const page = await browser.newPage();
    const now = Math.floor(Date.now() / 1000);
    const expired = await coturnCredentials(coturn.secret, 'AAAAAAAAAAAAAAAAAAAAAA', 60, now - 3_600);
    const wrong = await coturnCredentials('not-the-secret', 'AAAAAAAAAAAAAAAAAAAAAA', 3_600, now);
    for (const cred of [expired, wrong]) {
      const result = await relayPair(page, [{ urls: coturn.url, username: cred.username, credential: cred.credential }], 3_000);
      expect(result.open).toBe(false);
      expect(result.relayCandidates).toBe(0);
      expect(result.errors).toContain(401);
    }
    await page.close();
  });

  test('two Wisp pages forced to relay connect through coturn and show `relay` with the reason', async () => {
    const context = await browser.newContext();
    const pages = await Promise.all([[48.9, 2.4], [51.5, -0.1]].map(async ([lat, lng]) => {
      const page = await context.newPage();
      await page.goto(`${dev.origin}/?lat=${lat}&lng=${lng}&relay=1`);
      return page;
    }));
    for (const page of pages) {
      const v = await waitFor('a relayed open link', () => view(page), (x) => x.rows.length === 1 && x.rows[0]!.state === 'open' && x.rows[0]!.path === 'relay', 30_000);
      expect(v.rows[0]).toMatchObject({ state: 'open', path: 'relay' });
      const panel = await page.evaluate(() => {
        const row = document.querySelector('[data-peer-id]');
        const root = document.querySelector('[data-self-id]');
        return { reason: row?.getAttribute('data-reason'), text: row?.textContent ?? '', relay: root?.getAttribute('data-relay') };
      });
      expect(panel).toMatchObject({ reason: 'forced-relay', relay: 'true' });
      expect(panel.text).toContain('relayed: forced relay-only (?relay=1)');
      // One STUN server configured: the NAT test cannot compare two mappings and says so.
      const nat = () => page.evaluate(() => ({ nat: document.querySelector('[data-self-id]')?.getAttribute('data-nat') ?? '', text: document.querySelector('[data-testid="nat-text"]')?.textContent ?? '' }));
      const verdict = await waitFor('the NAT verdict', nat, (x) => x.nat !== '', 10_000);
      expect(verdict.nat).toBe('unknown');
      expect(verdict.text).toContain('needs two STUN servers; this server lists one');
    }
    await context.close();
  });
});
