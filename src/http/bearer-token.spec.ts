import { bearerToken } from './bearer-token.js';

describe('bearerToken', () => {
  it('takes the token of a Bearer authorization, any case of the scheme', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER  abc ')).toBe('abc');
  });

  it('refuses other schemes, empty tokens and odd shapes', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Basic YWJjOmRlZg==')).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Bearerabc')).toBeUndefined();
    expect(bearerToken(['Bearer a'])).toBeUndefined();
  });
});
