import { apiKeyOf } from '../../lib/push/api-key.ts';

// The push API's Lambda authorizer (REQUEST type, API key source AUTHORIZER): it finds the network's
// API key in x-api-key or in Authorization: ApiKey …, and hands it to API Gateway, which matches it
// against the usage plans' keys (unknown key: 401 through the INVALID_API_KEY gateway response) and
// applies that network's throttle and quota. It compares no secret itself and reads no configuration.

export interface AuthorizerEvent {
  readonly type?: string;
  readonly methodArn: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
}

export interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: readonly { readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow'; readonly Resource: string }[];
  };
  readonly usageIdentifierKey: string;
}

/** API Gateway answers 401 (the UNAUTHORIZED gateway response) when an authorizer fails with exactly this message */
export const UNAUTHORIZED = 'Unauthorized';

/** Lambda's handler: the verdict, as a promise (a refusal rejects it) */
export function handler(event: AuthorizerEvent): Promise<AuthorizerResult> {
  return new Promise((resolve) => resolve(authorize(event)));
}

function authorize(event: AuthorizerEvent): AuthorizerResult {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const key = apiKeyOf(headers);
  if (!key) throw new Error(UNAUTHORIZED);
  return {
    principalId: 'sensor-network',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
    usageIdentifierKey: key,
  };
}
