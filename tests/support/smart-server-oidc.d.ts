/**
 * oidc-provider 9 ships no types and @types/oidc-provider trails its versions; this declares the
 * little of its API the test authorization server uses.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type KoaContext = {
    path: string;
    method: string;
    status: number;
    body: unknown;
    type: string;
    query: Record<string, unknown>;
    request: unknown;
    redirect(url: string): void;
  };
  export type Configuration = Record<string, unknown> & {
    clients?: Record<string, unknown>[];
    interactions?: { url: (ctx: KoaContext, interaction: { uid: string }) => string };
    findAccount?: (
      ctx: KoaContext,
      id: string,
    ) => { accountId: string; claims: () => Record<string, unknown> };
  };
  type InteractionDetails = {
    uid: string;
    grantId?: string;
    session?: { accountId: string };
    params: Record<string, unknown>;
    prompt: { name: string; details: Record<string, unknown> };
  };
  type Grant = {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(indicator: string, scope: string): void;
    save(): Promise<string>;
  };
  class OIDCProviderError extends Error {
    constructor(description?: string);
  }
  export const errors: {
    InvalidRequest: typeof OIDCProviderError;
    InvalidClientAuth: typeof OIDCProviderError;
  };
  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    Grant: {
      new (args: { accountId: string; clientId: string }): Grant;
      find(id: string): Promise<Grant | undefined>;
    };
    AccessToken: { find(token: string): Promise<{ isExpired: boolean } | undefined> };
  }
}
