import { randomBytes } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';

/** SMART allows at most five minutes; two leave room for a clock that runs ahead of the server's. */
const LIFETIME_SECONDS = 120;

/**
 * A confidential asymmetric client proves itself with a short-lived assertion signed by this
 * vault's own key (RFC 7523, SMART App Launch "client-confidential-asymmetric"): issuer and
 * subject its client id, audience exactly the endpoint it is sent to, a `jti` never used before.
 */
export async function clientAssertion(
  key: { kid: string; alg: string; privateJwk: JWK },
  clientId: string,
  audience: string,
): Promise<{ client_assertion_type: string; client_assertion: string }> {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomBytes(32).toString('base64url'))
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`)
    .sign(await importJWK(key.privateJwk, key.alg));
  return {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
}
