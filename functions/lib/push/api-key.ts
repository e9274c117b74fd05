// Where a sensor network's API key travels: the x-api-key header, or Authorization: ApiKey <key>
// (Bearer is accepted too). Read the same way by the local server, the Lambda handler and the API
// Gateway authorizer.

export function apiKeyOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const direct = headers['x-api-key'];
  if (direct?.trim()) return direct.trim();
  const auth = headers.authorization;
  const m = auth ? /^(?:ApiKey|Bearer)\s+(\S+)$/i.exec(auth.trim()) : null;
  return m?.[1];
}
