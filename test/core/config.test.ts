import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_CELL_DEG,
  DEFAULT_ICE_TTL_S,
  DEFAULT_STUN_URLS,
  DEFAULT_TURN_API_URL,
  MAX_ICE_TTL_S,
  parseConfig,
  type RawEnv,
} from '../../core/config';
import { DEFAULT_MAX_DEGREE } from '../../core/topology';

const DEFAULTS = {
  cellDeg: DEFAULT_CELL_DEG,
  maxDegree: DEFAULT_MAX_DEGREE,
  iceTtlS: DEFAULT_ICE_TTL_S,
  stunUrls: DEFAULT_STUN_URLS,
  turnUrls: [],
  turnSharedSecret: null,
  turnKeyId: null,
  turnKeyApiToken: null,
  turnApiUrl: DEFAULT_TURN_API_URL,
  tokenSecret: null,
  allowedOrigins: [],
};

/** Asserts parseConfig(env) throws a ConfigError about `variable` whose message names it. */
function expectConfigError(env: RawEnv, variable: string): void {
  let caught: unknown;
  try {
    parseConfig(env);
  } catch (e) {
    caught = e;
  }
  expect(caught, JSON.stringify(env)).toBeInstanceOf(ConfigError);
  const err = caught as ConfigError;
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('ConfigError');
  expect(err.variable).toBe(variable);
  expect(err.message.startsWith(`${variable}: `)).toBe(true);
}

describe('parseConfig() defaults', () => {
  it('parseConfig() for an empty env: every default', () => {
    expect(parseConfig({})).toEqual(DEFAULTS);
    expect(DEFAULT_CELL_DEG).toBe(4);
    expect(DEFAULT_MAX_DEGREE).toBe(16);
    expect(DEFAULT_ICE_TTL_S).toBe(3_600);
  });

  it('parseConfig() treats undefined, null, empty and blank values as unset', () => {
    for (const v of [undefined, null, '', '   ', '\t\n']) {
      const env = { CELL_DEG: v, MAX_DEGREE: v, ICE_TTL_S: v, STUN_URLS: v, TURN_URLS: v, TURN_SHARED_SECRET: v, TURN_KEY_ID: v, TURN_KEY_API_TOKEN: v, TURN_API_URL: v, TOKEN_SECRET: v, ALLOWED_ORIGINS: v };
      expect(parseConfig(env)).toEqual(DEFAULTS);
    }
  });

  it('parseConfig() for the [vars] in wrangler.toml', () => {
    const cfg = parseConfig({
      CELL_DEG: '4', MAX_DEGREE: '16', ICE_TTL_S: '3600',
      STUN_URLS: 'stun:stun.cloudflare.com:3478,stun:stun.l.google.com:19302', ALLOWED_ORIGINS: '',
    });
    expect(cfg).toEqual(DEFAULTS);
  });

  it('parseConfig() ignores bindings and unknown variables', () => {
    expect(parseConfig({ CELL: {}, DIRECTORY: { idFromName: () => 0 }, ASSETS: 1, SOMETHING_ELSE: 'x' })).toEqual(DEFAULTS);
  });
});

describe('parseConfig() values', () => {
  it('parseConfig() trims and parses numbers at their bounds', () => {
    expect(parseConfig({ CELL_DEG: ' 0.5 ' }).cellDeg).toBe(0.5);
    expect(parseConfig({ CELL_DEG: '30' }).cellDeg).toBe(30);
    expect(parseConfig({ CELL_DEG: '2.5' }).cellDeg).toBe(2.5);
    expect(parseConfig({ MAX_DEGREE: '8' }).maxDegree).toBe(8);
    expect(parseConfig({ MAX_DEGREE: '32' }).maxDegree).toBe(32);
    expect(parseConfig({ ICE_TTL_S: '60' }).iceTtlS).toBe(60);
    expect(parseConfig({ ICE_TTL_S: String(MAX_ICE_TTL_S) }).iceTtlS).toBe(MAX_ICE_TTL_S);
    expect(MAX_ICE_TTL_S).toBe(172_800);
  });

  it('parseConfig() splits and trims URL and origin lists', () => {
    const cfg = parseConfig({
      STUN_URLS: ' stun:a.example:3478 , stuns:b.example:5349 ',
      TURN_URLS: 'turn:t.example:3478?transport=udp,turns:t.example:443?transport=tcp',
      TURN_SHARED_SECRET: ' s3cret ',
      ALLOWED_ORIGINS: 'https://wisp.example, http://localhost:5173',
    });
    expect(cfg.stunUrls).toEqual(['stun:a.example:3478', 'stuns:b.example:5349']);
    expect(cfg.turnUrls).toEqual(['turn:t.example:3478?transport=udp', 'turns:t.example:443?transport=tcp']);
    expect(cfg.turnSharedSecret).toBe('s3cret');
    expect(cfg.allowedOrigins).toEqual(['https://wisp.example', 'http://localhost:5173']);
  });

  it('parseConfig() for a list of only commas: an empty list, not the default', () => {
    expect(parseConfig({ STUN_URLS: ' , ,' }).stunUrls).toEqual([]);
  });

  it('parseConfig() for TURN_API_URL: trailing slashes dropped', () => {
    expect(DEFAULT_TURN_API_URL).toBe('https://rtc.live.cloudflare.com/v1');
    expect(parseConfig({ TURN_API_URL: 'http://127.0.0.1:8788/v1/' }).turnApiUrl).toBe('http://127.0.0.1:8788/v1');
    expect(parseConfig({ TURN_API_URL: ' https://turn.example// ' }).turnApiUrl).toBe('https://turn.example');
  });

  it('parseConfig() for a TOKEN_SECRET of 16 characters or more', () => {
    expect(parseConfig({ TOKEN_SECRET: 'x'.repeat(16) }).tokenSecret).toBe('x'.repeat(16));
    expect(parseConfig({ TOKEN_SECRET: ` ${'y'.repeat(40)} ` }).tokenSecret).toBe('y'.repeat(40));
  });

  it('parseConfig() allows every origin with *', () => {
    expect(parseConfig({ ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
  });

  it('parseConfig() accepts Cloudflare TURN keys when both halves are set', () => {
    const cfg = parseConfig({ TURN_KEY_ID: 'key-id', TURN_KEY_API_TOKEN: 'token' });
    expect(cfg.turnKeyId).toBe('key-id');
    expect(cfg.turnKeyApiToken).toBe('token');
  });
});

describe('parseConfig() errors', () => {
  it('parseConfig() for CELL_DEG outside [0.5, 30] or not a number: ConfigError naming CELL_DEG', () => {
    for (const v of ['0.49', '0', '-4', '30.01', '360', 'abc', '4deg', 'NaN', 'Infinity', '1e3']) expectConfigError({ CELL_DEG: v }, 'CELL_DEG');
  });

  it('parseConfig() for MAX_DEGREE outside [8, 32] or not an integer: ConfigError naming MAX_DEGREE', () => {
    for (const v of ['7', '33', '16.5', '0', '-16', 'sixteen', 'Infinity']) expectConfigError({ MAX_DEGREE: v }, 'MAX_DEGREE');
  });

  it('parseConfig() for ICE_TTL_S outside [60, 172800] or not an integer: ConfigError naming ICE_TTL_S', () => {
    for (const v of ['59', String(MAX_ICE_TTL_S + 1), '3600.5', '-1', 'an hour']) expectConfigError({ ICE_TTL_S: v }, 'ICE_TTL_S');
  });

  it('parseConfig() for a value that is not a string: ConfigError naming it', () => {
    expectConfigError({ CELL_DEG: 4 }, 'CELL_DEG');
    expectConfigError({ MAX_DEGREE: 16 }, 'MAX_DEGREE');
    expectConfigError({ STUN_URLS: ['stun:a.example'] }, 'STUN_URLS');
    expectConfigError({ TURN_SHARED_SECRET: true }, 'TURN_SHARED_SECRET');
    expectConfigError({ ALLOWED_ORIGINS: {} }, 'ALLOWED_ORIGINS');
  });

  it('parseConfig() for STUN_URLS and TURN_URLS entries that are not ICE URLs: ConfigError naming the list', () => {
    for (const v of ['http://stun.example', 'stun.example:3478', 'stun:', 'stun:a b', 'stun:ok.example,ftp:bad']) {
      expectConfigError({ STUN_URLS: v }, 'STUN_URLS');
      expectConfigError({ TURN_URLS: v, TURN_SHARED_SECRET: 'x' }, 'TURN_URLS');
    }
  });

  it('parseConfig() for ALLOWED_ORIGINS entries that are not origins: ConfigError naming ALLOWED_ORIGINS', () => {
    for (const v of ['wisp.example', 'https://wisp.example/', 'https://wisp.example/path', 'ftp://wisp.example', '**', 'https://', 'https://a.example,nope']) {
      expectConfigError({ ALLOWED_ORIGINS: v }, 'ALLOWED_ORIGINS');
    }
  });

  it('parseConfig() for TURN_KEY_ID without TURN_KEY_API_TOKEN (and the reverse): ConfigError naming the missing one', () => {
    expectConfigError({ TURN_KEY_ID: 'key-id' }, 'TURN_KEY_API_TOKEN');
    expectConfigError({ TURN_KEY_API_TOKEN: 'token' }, 'TURN_KEY_ID');
  });

  it('parseConfig() for TURN_SHARED_SECRET without TURN_URLS: ConfigError naming TURN_URLS', () => {
    expectConfigError({ TURN_SHARED_SECRET: 's3cret' }, 'TURN_URLS');
    expectConfigError({ TURN_SHARED_SECRET: 's3cret', TURN_URLS: ' , ' }, 'TURN_URLS');
    expect(parseConfig({ TURN_SHARED_SECRET: 's3cret', TURN_URLS: 'turn:t.example:3478' }).turnSharedSecret).toBe('s3cret');
  });

  it('parseConfig() for TURN_API_URL that is not an http(s) URL: ConfigError naming TURN_API_URL', () => {
    for (const v of ['rtc.live.cloudflare.com', 'ftp://x.example', 'https://', 'https://a b']) expectConfigError({ TURN_API_URL: v }, 'TURN_API_URL');
  });

  it('parseConfig() for a TOKEN_SECRET shorter than 16 characters: ConfigError naming TOKEN_SECRET', () => {
    expectConfigError({ TOKEN_SECRET: 'x'.repeat(15) }, 'TOKEN_SECRET');
    expectConfigError({ TOKEN_SECRET: ` ${'x'.repeat(15)} ` }, 'TOKEN_SECRET'); // trimmed first
  });

  it('parseConfig() error messages quote the bad value', () => {
    expect(() => parseConfig({ CELL_DEG: '99' })).toThrow(/CELL_DEG: .*"99"/);
    expect(() => parseConfig({ STUN_URLS: 'nope' })).toThrow(/STUN_URLS: "nope"/);
  });
});
