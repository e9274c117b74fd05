import { describe, expect, it } from 'vitest';
import { policySize, resourcesOf, synthObservatory, twiceTheDatasets } from './support.ts';

// A role's inline policies may total 10 240 characters (IAM quota, white space not counted). The
// functions' policies are generated from the registry and the declarations (infra/lake-access.ts),
// each family of dataset prefixes a function has whole written once; they must stay under 60 % of
// that limit with twice today's datasets (each with a twin, read and written by the same stages).

const ROLE_POLICY_LIMIT = 10_240;

/** the size of each function role's inline policy in the pipeline stack */
function functionPolicySizes(synth: ReturnType<typeof synthObservatory>): Map<string, number> {
  const roles = resourcesOf(synth.templates.pipeline, 'AWS::IAM::Role');
  const lambdaRoles = new Set(Object.entries(roles).filter(([, r]) => JSON.stringify(r.Properties?.AssumeRolePolicyDocument).includes('lambda.amazonaws.com')).map(([id]) => id));
  const sizes = new Map<string, number>();
  for (const p of Object.values(resourcesOf(synth.templates.pipeline, 'AWS::IAM::Policy'))) {
    const props = p.Properties as { PolicyDocument: unknown; Roles: { Ref: string }[] };
    for (const role of props.Roles) if (lambdaRoles.has(role.Ref)) sizes.set(role.Ref, (sizes.get(role.Ref) ?? 0) + policySize(props.PolicyDocument));
  }
  return sizes;
}

describe('the function policies as datasets are added', () => {
  it('stay under 60 % of the 10 240-character inline-policy limit of a role with twice today’s datasets', () => {
    const today = functionPolicySizes(synthObservatory('prod'));
    const twice = twiceTheDatasets();
    const doubled = functionPolicySizes(synthObservatory('prod', {}, { stages: twice.stages, datasets: twice.datasets }));
    expect(doubled.size).toBe(today.size);
    const largest = Math.max(...doubled.values());
    expect(largest).toBeLessThan(0.6 * ROLE_POLICY_LIMIT);
    // the families absorb most twins (a family whose stem is also another dataset's, e.g. flood_vigilance
    // and flood_vigilance_commune_daily, cannot): the policies together grow by less than a tenth
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    expect(total(doubled)).toBeLessThan(1.1 * total(today));
  }, 300_000);
});
