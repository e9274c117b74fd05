import type { TestProject } from 'vitest/node';
import { S3_ENDPOINT_ENV, startSwift, swiftInstalled } from './swift.ts';

// Starts one loopback Swift (S3 API) for the whole test run and stops it at teardown. Test files read
// its endpoint with `inject('s3Endpoint')`. With OBSERVATORY_TEST_S3_ENDPOINT set, that server is used
// and nothing is started.

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    /** the server is this run's own and is deleted at teardown: tests need not empty their buckets */
    s3Ephemeral: boolean;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env[S3_ENDPOINT_ENV];
  if (external) {
    project.provide('s3Endpoint', external);
    project.provide('s3Ephemeral', false);
    return undefined;
  }
  if (!swiftInstalled()) {
    throw new Error(
      'OpenStack Swift is not installed, and the object-store tests run against it.\n' +
        '  install it (as root): bash scripts/install-swift.sh   — `npm test` does it through scripts/setup-test-env.sh\n' +
        `  or point the tests at a running S3 server: ${S3_ENDPOINT_ENV}=http://127.0.0.1:<port>`,
    );
  }
  const started = Date.now();
  const swift = await startSwift();
  process.env[S3_ENDPOINT_ENV] = swift.endpoint;
  project.provide('s3Endpoint', swift.endpoint);
  project.provide('s3Ephemeral', true);
  if (process.env.OBSERVATORY_TEST_VERBOSE) console.log(`swift up at ${swift.endpoint} in ${Date.now() - started} ms (${swift.dir})`);
  return async () => {
    await swift.stop();
  };
}
